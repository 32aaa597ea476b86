import { mkdir, mkdtemp, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import { silence } from '../audio/silence.js';
import { wavInfoChunk } from '../audio/wav-info-chunk.js';
import { BOOK_FORMAT, byteRate } from '../audio/wav-format.js';
import { writeWav } from '../audio/write-wav.js';
import type { FinalizeJobData, FinalizeResult, PartResult, SynthesizeResult } from '../queue/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';
import { writeAtomically } from '../store/fs-segment-store.js';
import { MAX_RIFF_DATA_BYTES, joinWavFiles, type WavFile, type WavPart } from '../store/wav-files.js';
import { assembleParts } from './assemble-parts.js';
import { bookPaths } from './book-paths.js';
import { bookReport } from './book-report.js';
import { writeChapterFile } from './chapter-files.js';
import { codecOf } from './codecs.js';
import { bookTags } from './book-tags.js';
import { chapterPlaylist } from './chapter-playlist.js';
import { chunkGains, chunkTimeline, loudnessReport } from './book-mastering-report.js';
import { concatAudio } from './ffmpeg.js';
import { concatListLine, ffmetadata } from './ffmetadata.js';
import { planTimeline, type Timeline } from './plan-timeline.js';

/**
 * Segments → one audiobook: time the chapters from the stored segments, join them with pauses
 * into a temp name (a PCM copy for WAV, one ffmpeg run for m4b/mp3), rename it into place, then
 * write the manifest the same way. Temp files go on every exit path.
 */
export async function finalizeBook(book: FinalizeJobData, results: SynthesizeResult[], store: SegmentStore, signal?: AbortSignal): Promise<FinalizeResult> {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const missing = book.chunks.filter((c) => !byIndex.has(c.index)).map((c) => c.index);
  if (missing.length > 0) throw new Error(`book ${book.bookId}: no result for chunk(s) ${missing.slice(0, 10).join(', ')}`);

  // Durations come from the files themselves, not from what a job said: the audio is the truth.
  const probe = pLimit(16);
  const segments = await Promise.all(
    book.chunks.map((c) =>
      probe(async (): Promise<WavFile> => {
        const key = byIndex.get(c.index)!.key;
        const stored = await store.get(key);
        if (!stored) throw new Error(`segment of chunk ${c.index} is missing from the store (key ${key})`);
        return stored.audio;
      }),
    ),
  );
  const bySegment = new Map(book.chunks.map((c, i) => [c.index, segments[i]!]));
  const timeline = planTimeline(book.chapters, book.chunks.map((c, i) => ({ ...c, durationMs: segments[i]!.durationMs })));
  const pcmBytes = (timeline.totalMs / 1000) * byteRate(BOOK_FORMAT);

  await mkdir(book.outDir, { recursive: true });
  const output = join(book.outDir, `${book.slug}.${book.format}`);
  const manifestPath = join(book.outDir, `${book.slug}.json`);
  const partial = join(book.outDir, `.${book.slug}.${process.pid}.${Date.now()}.partial`);
  try {
    // A second's worth of slack: silences are rounded to whole samples.
    if (book.format === 'wav' && pcmBytes + byteRate(BOOK_FORMAT) < MAX_RIFF_DATA_BYTES) {
      // Nothing to encode and no chapter track to write: copying the PCM ourselves runs at disk
      // speed, where ffmpeg's concat demuxer pays per packet and per entry (measured by `npm run
      // bench`: 6.5x the time of cat for 10 h). ffmpeg keeps the m4b/mp3 encodes and books past
      // 4 GiB, which need RF64.
      const parts = timeline.entries.map((e): WavPart => (e.kind === 'segment' ? bySegment.get(e.index)! : { silenceMs: e.ms }));
      const infoChunk = wavInfoChunk({ title: book.title, artist: book.author, album: book.title, genre: 'Audiobook' });
      await joinWavFiles(parts, BOOK_FORMAT, partial, { infoChunk });
    } else {
      await encodeWithFfmpeg(timeline, bySegment, book, partial, signal);
    }
    await rename(partial, output);
    const report = bookReport(book, results, timeline, output);
    await writeAtomically(manifestPath, `${JSON.stringify(report, null, 2)}\n`);
    return { output, manifest: manifestPath, durationMs: report.durationMs };
  } finally {
    await rm(partial, { force: true });
  }
}

/** One ffmpeg run over a concat list (segments and pause files) with tags and chapter marks. */
async function encodeWithFfmpeg(
  timeline: Timeline,
  bySegment: Map<number, WavFile>,
  book: FinalizeJobData,
  partial: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  // The list, the metadata and the pause files live in a temp dir removed on every exit path.
  const work = await mkdtemp(join(tmpdir(), 'narrate-finalize-'));
  try {
    const silences = new Map<number, string>();
    const lines: string[] = [];
    for (const entry of timeline.entries) {
      if (entry.kind === 'segment') {
        lines.push(concatListLine(bySegment.get(entry.index)!.path));
        continue;
      }
      let file = silences.get(entry.ms);
      if (!file) {
        file = join(work, `silence-${entry.ms}.wav`);
        await writeFile(file, writeWav(BOOK_FORMAT, silence(BOOK_FORMAT, entry.ms)));
        silences.set(entry.ms, file);
      }
      lines.push(concatListLine(file));
    }
    const listFile = join(work, 'list.txt');
    const metadataFile = join(work, 'metadata.txt');
    await writeFile(listFile, `${lines.join('\n')}\n`);
    await writeFile(metadataFile, ffmetadata({ title: book.title, album: book.title, artist: book.author, album_artist: book.author, genre: 'Audiobook', language: book.language ?? '' }, timeline.chapters));
    await concatAudio({ listFile, metadataFile, output: partial, format: book.format, ...(signal ? { signal } : {}) });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Encoded parts → one audiobook: time the chapters from the parts' layouts (exact to the sample),
 * write any chapter file no worker wrote yet, join the parts by stream copy with tags and chapter
 * marks into a temp name, rename it into place, write the manifest, and remove the parts. A WAV book
 * (no codec) is joined from its segments by finalizeBook.
 */
export async function finalizeFromParts(book: FinalizeJobData, parts: PartResult[], store: SegmentStore, signal?: AbortSignal): Promise<FinalizeResult> {
  const byPart = new Map(parts.map((p) => [p.part, p]));
  const missing = book.parts.filter((p) => !byPart.has(p.part)).map((p) => p.part);
  if (missing.length > 0) throw new Error(`book ${book.bookId}: no result for part(s) ${missing.slice(0, 10).join(', ')}`);
  const ordered = book.parts.map((p) => byPart.get(p.part)!);
  const results = ordered.flatMap((p) => p.chunks);
  const codec = codecOf(book.format);
  if (!codec) return finalizeBook(book, results, store, signal);

  const rate = BOOK_FORMAT.sampleRate;
  const timeline = partsTimeline(book, ordered, rate);
  const paths = bookPaths(book, codec.extension);
  await mkdir(book.outDir, { recursive: true });
  // Chapter files a worker did not get to write (it died, or two parts finished at once).
  const { parts: _parts, chunks: _chunks, chapters, sources: _sources, ...settings } = book;
  const files = await Promise.all(
    timeline.chapters.map(async ({ chapter }) => {
      const file = paths.chapterFile(chapter, chapters[chapter]?.title ?? '', chapters.length);
      // Written by this book's part (not left over from an earlier run of the same title).
      const written = await stat(file).then((s) => s.mtimeMs >= Date.parse(book.submittedAt), () => false);
      if (written) return file;
      const own = book.parts.filter((p) => p.chapter === chapter);
      const first = own[0]!;
      const data = { bookId: book.bookId, book: settings, part: first.part, chapter, chapterTitle: chapters[chapter]?.title ?? '', chapters: chapters.length, chapterParts: { first: first.part, last: own[own.length - 1]!.part }, chunks: [], pauseBefore: undefined, last: false };
      return (await writeChapterFile(data, own.map((p) => byPart.get(p.part)!), chapters.length, rate, signal))!;
    }),
  );
  await assembleParts({
    codec,
    parts: ordered.map((p) => p.file!),
    output: paths.output,
    tags: bookTags(book, codec.format),
    chapters: timeline.chapters,
    ...(book.finish?.cover ? { cover: book.finish.cover.path } : {}),
    ...(signal ? { signal } : {}),
  });
  const loudness = await loudnessReport(book, paths.output, signal);
  const times = chunkTimeline(book.parts, ordered, new Map(book.chunks.map((c) => [c.index, c.pauseAfter])), rate);
  const gains = await chunkGains(book, results, store);
  const report = bookReport(book, results, { ...timeline, chapters: timeline.chapters.map((c, i) => ({ title: c.title, startMs: c.startMs, endMs: c.endMs, file: files[i]! })) }, paths.output, { loudness, times, gains });
  if (book.finish?.split) {
    await writeAtomically(paths.playlist, chapterPlaylist(timeline.chapters.map((c, i) => ({ file: files[i]!, title: c.title, durationMs: c.endMs - c.startMs }))));
  }
  await writeAtomically(paths.manifest, `${JSON.stringify(report, null, 2)}\n`);
  await rm(paths.partsDir, { recursive: true, force: true });
  // The shared parts directory goes with its last book (another book's parts keep it).
  await rmdir(dirname(paths.partsDir)).catch(() => undefined);
  return { output: paths.output, manifest: paths.manifest, durationMs: report.durationMs };
}

/** Where each chapter starts and ends in the joined parts, in ms, from the parts' sample counts. Pure. */
export function partsTimeline(book: Pick<FinalizeJobData, 'parts' | 'chapters'>, parts: readonly PartResult[], rate: number): { chapters: { chapter: number; title: string; startMs: number; endMs: number }[]; totalMs: number; entries: [] } {
  const starts = new Map<number, number>();
  let at = 0;
  parts.forEach((p, i) => {
    const chapter = book.parts[i]!.chapter;
    if (!starts.has(chapter)) starts.set(chapter, at + p.headSamples);
    at += p.samples;
  });
  const timed = [...starts.entries()].map(([chapter, start]) => ({ chapter, title: book.chapters[chapter]?.title ?? '', startMs: (start * 1000) / rate, endMs: 0 }));
  // A chapter runs until the next one starts, so the pause between them belongs to the earlier one.
  timed.forEach((c, i) => (c.endMs = i + 1 < timed.length ? timed[i + 1]!.startMs : (at * 1000) / rate));
  return { chapters: timed, totalMs: (at * 1000) / rate, entries: [] };
}
