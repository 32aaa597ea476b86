import { writeFile } from 'node:fs/promises';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import type { FinalizeJobData, FinalizeResult, PartResult } from '../contracts/job-data.js';
import type { BookOutput } from '../store/book-output.js';
import { withBookOutput, dirOutputs, type OpenBookOutput } from '../store/open-book-output.js';
import type { SegmentStore } from '../store/segment-store.js';
import { assembleParts } from './assemble-parts.js';
import { settleAll } from './settle-all.js';
import { bookNames } from './book-paths.js';
import { bookReport, type ChapterLoudness } from './book-report.js';
import { writeChapterFile } from './chapter-files.js';
import { codecOf } from './codecs.js';
import { bookTags, coverFile } from './book-tags.js';
import { chapterPlaylist } from './chapter-playlist.js';
import { chunkGains, chunkTimeline, loudnessReport, mergedLoudnessReport, type LoudnessReport } from './book-mastering-report.js';
import { partExtension } from './part-stream.js';
import type { BookSentence } from '../align/book-sentence.js';
import { bookSentences } from './book-sentences.js';
import { captionCues } from './containers/caption-cues.js';
import { captionText } from './containers/caption-text.js';
import { publishReadAlong } from './publish-read-along.js';

/**
 * Encoded parts → one audiobook: time the chapters from the parts' layouts (exact to the sample),
 * write any chapter file no worker wrote yet, join the parts by stream copy (read back from the
 * book's output: a directory or the bucket of an s3:// --out) with tags and chapter marks into
 * scratch, measure it, publish it, write the playlist and the manifest, and remove the parts.
 */
export async function finalizeFromParts(
  book: FinalizeJobData,
  parts: PartResult[],
  store: SegmentStore,
  signal?: AbortSignal,
  outputs: OpenBookOutput = dirOutputs,
): Promise<FinalizeResult> {
  const byPart = new Map(parts.map((p) => [p.part, p]));
  const missing = book.parts.filter((p) => !byPart.has(p.part)).map((p) => p.part);
  if (missing.length > 0) throw new Error(`book ${book.bookId}: no result for part(s) ${missing.slice(0, 10).join(', ')}`);
  const ordered = book.parts.map((p) => byPart.get(p.part)!);
  const results = ordered.flatMap((p) => p.chunks);
  const codec = codecOf(book.format, book.finish);

  const rate = BOOK_FORMAT.sampleRate;
  const timeline = partsTimeline(book, ordered, rate);
  const names = bookNames(book, codec.extension);
  return withBookOutput(outputs, book.outDir, async (out) => {
    const bookName = `${book.slug}.${codec.extension}`;
    const scratch = await out.scratchPath(bookName);
    const cover = await coverFile(book, out);
    // The chapter files no part's worker wrote (the last chapter's, always: its last part is the
    // book's) are copied while the book is: two stream copies side by side, not one after the other,
    // both stopped before the output's scratch files are cleaned up if either fails.
    const [files] = await settleAll<[string[], void]>([
      chapterFiles(book, timeline, byPart, rate, out, signal),
      assembleParts({
        codec,
        parts: ordered.map((p) => names.partFile(p.part, partExtension(codec))),
        read: (n) => out.read(n),
        output: scratch,
        samples: ordered.reduce((n, p) => n + p.samples, 0),
        tags: bookTags(book, codec.format),
        chapters: timeline.chapters,
        ...(cover ? { cover } : {}),
        ...(signal ? { signal } : {}),
      }),
    ]);
    // Merged from what each part measured when it was encoded; a part queued by an older version
    // carries no measurement, and then the finished file is decoded once more.
    const loudness = mergedLoudnessReport(book, ordered) ?? (await loudnessReport(book, scratch, signal));
    const output = await out.publish(scratch, bookName);
    const times = chunkTimeline(book.parts, ordered, new Map(book.chunks.map((c) => [c.index, c.pauseAfter])), rate);
    const gains = await partGains(book, ordered, store, signal);
    const chapterLoudness = timeline.chapters.map((c) => mergedLoudnessReport(book, book.parts.flatMap((p, i) => (p.chapter === c.chapter ? [ordered[i]!] : []))));
    const sentences = bookSentences(book.chunks, new Map(results.map((r) => [r.index, r.timings])), new Map([...times].map(([index, t]) => [index, t.startMs])));
    const captions = await publishCaptions(out, book, sentences);
    // A chapter file starts where its first part does (its head pause included): its captions are moved by that much.
    const partStarts: number[] = [];
    ordered.reduce((at, p) => (partStarts.push(at), at + p.samples), 0);
    const chapterCaptions = await settleAll(
      timeline.chapters.map((c, i) => {
        const first = book.parts.findIndex((p) => p.chapter === c.chapter);
        const name = names.chapterFile(c.chapter, book.chapters[c.chapter]?.title ?? '', book.chapters.length);
        return publishCaptions(out, book, sentences.filter((s) => s.chapter === i + 1), { name, offsetMs: (partStarts[first]! * 1000) / rate });
      }),
    );
    const epub = await publishEpub(out, book, sentences, bookName, timeline.chapters, signal);
    const report = bookReport(
      book,
      results,
      { ...timeline, chapters: timeline.chapters.map((c, i) => ({ title: c.title, startMs: c.startMs, endMs: c.endMs, file: files[i]!, ...chapterLevels(chapterLoudness[i]), ...(chapterCaptions[i] ? { captions: chapterCaptions[i] } : {}) })) },
      output,
      { loudness, times, gains },
      readAlong(sentences, captions, epub),
    );
    if (book.finish?.split) {
      await publishText(out, names.playlist, chapterPlaylist(timeline.chapters.map((c, i) => ({ file: files[i]!, title: c.title, durationMs: c.endMs - c.startMs }))));
    }
    const manifest = await publishText(out, names.manifest, `${JSON.stringify(report, null, 2)}\n`);
    await out.removeAll(names.partsDir);
    return { output, manifest, durationMs: report.durationMs };
  });
}

/**
 * Every chapter's file: the one a part's worker wrote during narration, or, where none did (it
 * died, or two last parts finished at once), written now. Files older than the book's submission
 * are left over from an earlier run of the same title and written again.
 */
async function chapterFiles(book: FinalizeJobData, timeline: ReturnType<typeof partsTimeline>, byPart: Map<number, PartResult>, rate: number, out: BookOutput, signal: AbortSignal | undefined): Promise<string[]> {
  const codec = codecOf(book.format, book.finish)!;
  const names = bookNames(book, codec.extension);
  const { parts: _parts, chunks: _chunks, chapters, sources: _sources, cast: _cast, ...settings } = book;
  // S3 keeps LastModified to the second.
  const since = Math.floor(Date.parse(book.submittedAt) / 1000) * 1000;
  return settleAll<string[]>(
    timeline.chapters.map(async ({ chapter }) => {
      const name = names.chapterFile(chapter, chapters[chapter]?.title ?? '', chapters.length);
      const written = await out.modifiedAt(name);
      if (written && written.getTime() >= since) return out.location(name);
      const own = book.parts.filter((p) => p.chapter === chapter);
      const first = own[0]!;
      const data = { bookId: book.bookId, book: settings, part: first.part, chapter, chapterTitle: chapters[chapter]?.title ?? '', chapters: chapters.length, chapterParts: { first: first.part, last: own[own.length - 1]!.part }, chunks: [], pauseBefore: undefined, last: false };
      return (await writeChapterFile(data, own.map((p) => byPart.get(p.part)!), chapters.length, rate, out, signal))!;
    }),
  );
}

/** Each chunk's mastering gain, as its part reported it (a HEAD of its segment for a part that did not). */
async function partGains(book: FinalizeJobData, parts: readonly PartResult[], store: SegmentStore, signal: AbortSignal | undefined): Promise<Map<number, number>> {
  const chunks = parts.flatMap((p) => p.chunks);
  const known = new Map(chunks.flatMap((c) => (c.gainDb === undefined ? [] : [[c.index, c.gainDb] as const])));
  const unknown = chunks.filter((c) => c.gainDb === undefined);
  if (unknown.length === 0) return known;
  for (const [index, db] of await chunkGains(book, unknown, store, signal)) known.set(index, db);
  return known;
}

/** A chapter's own levels for the manifest: its file's integrated loudness, true peak and RMS. */
function chapterLevels(report: LoudnessReport | undefined): { loudness?: ChapterLoudness } {
  return report?.rms === undefined ? {} : { loudness: { integrated: report.integrated, truePeak: report.truePeak, rms: report.rms } };
}

/**
 * Writes captions of these sentences (--captions) as `<slug>.vtt|srt`, or beside a chapter file
 * (`name` with its extension swapped, times moved back by `offsetMs` onto the file's own timeline).
 * Nothing without a captions format or without sentences (alignment off). Returns where they are.
 */
async function publishCaptions(out: BookOutput, book: FinalizeJobData, sentences: readonly BookSentence[], chapter?: { name: string; offsetMs: number }): Promise<string | undefined> {
  const format = book.finish?.captions;
  if (format === undefined || sentences.length === 0) return undefined;
  const shift = chapter?.offsetMs ?? 0;
  const cues = captionCues(sentences.map((s) => ({ text: s.text, startMs: s.startMs - shift, endMs: s.endMs - shift })));
  const name = chapter ? chapter.name.replace(/\.[^./]+$/, `.${format}`) : `${book.slug}.${format}`;
  return publishText(out, name, captionText(format, cues));
}

/**
 * Writes the read-along EPUB (--readalong) as `<slug>.epub` from the published book's audio (the file
 * itself in a directory, a scratch copy from a bucket). Nothing without sentences (alignment off, or
 * segments stored before it). Returns where it is.
 */
async function publishEpub(
  out: BookOutput,
  book: FinalizeJobData,
  sentences: readonly BookSentence[],
  bookName: string,
  chapters: readonly { title: string; startMs: number; endMs: number }[],
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  if (book.finish?.readalong !== true || sentences.length === 0) return undefined;
  const audioPath = await out.localPath(bookName);
  const made = await publishReadAlong({ out, book, sentences, audioPath, chapters, ...(signal ? { signal } : {}) });
  return made.location;
}

/** The manifest's sentences, captions and read-along EPUB, when there are any. */
function readAlong(sentences: BookSentence[], captions: string | undefined, readalong: string | undefined): { sentences?: BookSentence[]; captions?: string; readalong?: string } {
  return { ...(sentences.length > 0 ? { sentences } : {}), ...(captions === undefined ? {} : { captions }), ...(readalong === undefined ? {} : { readalong }) };
}

/** Writes a small text file (manifest, playlist) to scratch and publishes it whole. */
async function publishText(out: BookOutput, name: string, text: string): Promise<string> {
  const scratch = await out.scratchPath(name);
  await writeFile(scratch, text);
  return out.publish(scratch, name);
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
