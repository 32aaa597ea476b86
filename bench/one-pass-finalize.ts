/**
 * The one-pass assembler the finalizer had before parts: segments → one book, every sample streamed
 * from the store through one ffmpeg (or a PCM copy for WAV). The product no longer uses it (every
 * book is encoded in parts as its chunks land, then joined by stream copy); `npm run bench` keeps it
 * as the baseline its finalize figures are measured against.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import pLimit from 'p-limit';
import { wavInfoChunk } from '../src/audio/wav-info-chunk.js';
import { BOOK_FORMAT, byteRate } from '../src/audio/wav-format.js';
import type { FinalizeJobData, FinalizeResult, SynthesizeResult } from '../src/contracts/job-data.js';
import type { BookOutput } from '../src/store/book-output.js';
import { withBookOutput, dirOutputs, type OpenBookOutput } from '../src/store/open-book-output.js';
import type { SegmentStore } from '../src/store/segment-store.js';
import { MAX_RIFF_DATA_BYTES, joinWavFiles, writeJoinedWav, type WavPart, type WavSource } from '../src/store/wav-files.js';
import { bookReport } from '../src/finalizer/book-report.js';
import { bookTags, chapterComments } from '../src/finalizer/book-tags.js';
import { loudnessReport } from '../src/finalizer/book-mastering-report.js';
import { encodeAudioStream } from '../src/finalizer/ffmpeg.js';
import { ffmetadata } from '../src/finalizer/ffmetadata.js';
import { planTimeline, type Timeline } from '../src/finalizer/plan-timeline.js';
import { applyGain, partAudioFilter, presetOf, segmentGainDb } from '../src/finalizer/part-hooks.js';
import { openSegment, segmentPcm } from '../src/finalizer/segment-pcm.js';

/**
 * Segments → one audiobook: time the chapters from the stored segments' heads, stream their samples
 * from the store, in order, into the book (a PCM copy for WAV, ffmpeg's stdin for m4b/mp3), so only
 * what is being encoded is ever read — memory stays flat in the book's length, and a bucket is read
 * like a directory. The book and then the manifest are written to scratch files and published in
 * whole (renamed into the directory, or uploaded to s3://). Scratch files go on every exit path.
 */
export async function finalizeBook(
  book: FinalizeJobData,
  results: SynthesizeResult[],
  store: SegmentStore,
  signal?: AbortSignal,
  outputs: OpenBookOutput = dirOutputs,
): Promise<FinalizeResult> {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const missing = book.chunks.filter((c) => !byIndex.has(c.index)).map((c) => c.index);
  if (missing.length > 0) throw new Error(`book ${book.bookId}: no result for chunk(s) ${missing.slice(0, 10).join(', ')}`);

  const segments = await segmentSources(book, byIndex, store, signal);
  const bySegment = new Map(book.chunks.map((c, i) => [c.index, segments[i]!]));
  const timeline = planTimeline(book.chapters, book.chunks.map((c, i) => ({ ...c, durationMs: segments[i]!.durationMs })));
  const pcmBytes = (timeline.totalMs / 1000) * byteRate(BOOK_FORMAT);
  const parts = timeline.entries.map((e): WavPart => (e.kind === 'segment' ? bySegment.get(e.index)! : { silenceMs: e.ms }));

  const bookName = `${book.slug}.${book.format}`;
  return withBookOutput(outputs, book.outDir, async (out) => {
    const partial = await out.scratchPath(bookName);
    // A second's worth of slack: silences are rounded to whole samples.
    if (book.format === 'wav' && pcmBytes + byteRate(BOOK_FORMAT) < MAX_RIFF_DATA_BYTES) {
      // Nothing to encode and no chapter track to write: copying the PCM ourselves runs at disk
      // speed, where ffmpeg's concat demuxer pays per packet and per entry (measured by `npm run
      // bench`: 6.5x the time of cat for 10 h). ffmpeg keeps the m4b/mp3 encodes and books past
      // 4 GiB, which need RF64.
      const infoChunk = wavInfoChunk({ title: book.title, artist: book.author, album: book.title, genre: 'Audiobook' });
      await joinWavFiles(parts, BOOK_FORMAT, partial, { infoChunk });
    } else {
      await encodeWithFfmpeg(timeline, parts, book, partial, signal);
    }
    const loudness = book.format === 'wav' ? undefined : await loudnessReport(book, partial, signal);
    const output = await out.publish(partial, bookName);
    const report = bookReport(book, results, timeline, output, loudness ? { loudness } : undefined);
    const manifest = await publishText(out, `${book.slug}.json`, `${JSON.stringify(report, null, 2)}\n`);
    return { output, manifest, durationMs: report.durationMs };
  });
}

/**
 * Every segment's layout from the store's heads (HEAD requests for a bucket, a header read for a
 * directory), each with a reader of its samples that opens only when the join reaches it.
 */
async function segmentSources(book: FinalizeJobData, byIndex: Map<number, SynthesizeResult>, store: SegmentStore, signal: AbortSignal | undefined): Promise<WavSource[]> {
  const probe = pLimit(16);
  return Promise.all(
    book.chunks.map((c) =>
      probe(async (): Promise<WavSource> => {
        const key = byIndex.get(c.index)!.key;
        // Durations come from the stored segments, not from what a job said: the audio is the truth.
        const head = await store.head(key, signal);
        if (!head) throw new Error(`segment of chunk ${c.index} is missing from the store ${store.url} (key ${key})`);
        // Opened (its format checked) here, where the samples are joined: a wav book's parts never
        // opened the segments. The head just read tells where the samples are: no second HEAD.
        const opened = await openSegment(store, key, BOOK_FORMAT, signal, { wav: head.wav, ...(head.meta.loudness ? { loudness: head.meta.loudness } : {}) });
        const wav = opened.wav;
        // wav is copied as narrated; a format ffmpeg encodes here (opus, flac) is mastered like a part.
        if (book.format === 'wav' || presetOf(book).measure === undefined) return { ...wav, read: () => store.readSamples(key, wav, signal) };
        const db = await segmentGainDb(store, opened, book, signal);
        return { ...wav, read: async () => Readable.from((async function* () {
          for await (const piece of segmentPcm(store, opened, signal)) yield applyGain(piece, db);
        })()) };
      }),
    ),
  );
}

/** One ffmpeg run over the joined samples (streamed to its stdin) with tags and chapter marks. */
async function encodeWithFfmpeg(timeline: Timeline, parts: WavPart[], book: FinalizeJobData, partial: string, signal: AbortSignal | undefined): Promise<void> {
  // The metadata file lives in a temp dir removed on every exit path.
  const work = await mkdtemp(join(tmpdir(), 'narrate-finalize-'));
  try {
    const metadataFile = join(work, 'metadata.txt');
    const tags = { ...bookTags(book, book.format), ...(book.format === 'flac' ? chapterComments(timeline.chapters) : {}) };
    await writeFile(metadataFile, ffmetadata(tags, timeline.chapters));
    const input = new PassThrough({ highWaterMark: 1024 * 1024 });
    const feeding = writeJoinedWav(parts, BOOK_FORMAT, input, { streaming: true }).then(
      () => void input.end(),
      (error: unknown) => {
        input.destroy(error as Error);
        throw error;
      },
    );
    const filter = book.format === 'wav' ? undefined : partAudioFilter(book);
    const encoding = encodeAudioStream({ input, metadataFile, output: partial, format: book.format, ...(filter ? { filter } : {}), ...(signal ? { signal } : {}) });
    // An encoder that stops reading must not leave the feeder waiting on a full pipe.
    encoding.catch(() => input.destroy(new Error('the encoder stopped reading')));
    // Either side failing fails the book; the other is then torn down by the destroyed stream.
    const [fed, encoded] = await Promise.allSettled([feeding, encoding]);
    if (fed.status === 'rejected') throw fed.reason;
    if (encoded.status === 'rejected') throw encoded.reason;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function publishText(out: BookOutput, name: string, text: string): Promise<string> {
  const scratch = await out.scratchPath(name);
  await writeFile(scratch, text);
  return out.publish(scratch, name);
}
