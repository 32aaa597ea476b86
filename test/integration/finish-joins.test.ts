/**
 * A book finished while it is narrated: parts encoded on their own as their chunks are stored, then
 * joined by stream copy. Real speech (the offline voice), real ffmpeg. What a listener must never
 * notice: a click or a gap at a join, or a chapter mark away from where its chapter starts; and the
 * parts must really be encoded before the last chunk is in.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import { layoutPart } from '../../src/finalizer/part-layout.js';
import { codecOf, partGrid, tailExcess } from '../../src/finalizer/codecs.js';
import { OfflineNarrator } from '../../src/providers/offline-narrator.js';
import type { Narrator } from '../../src/providers/narrator.js';
import { chunkJobId, partJobId } from '../../src/queue/build-flow.js';
import type { FinalizeJobData, OutputFormat, PartJobData, PartResult } from '../../src/contracts/job-data.js';
import { FsSegmentStore } from '../../src/store/fs-segment-store.js';
import { bestLag, decodePcm, snrDb } from '../helpers/decode-pcm.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { waitUntil } from '../helpers/wait-until.js';

const RATE = 24_000;
const LOSSLESS = new Set<OutputFormat>(['flac', 'wav']);
const SENTENCES = [
  'The lamp on the harbour wall was lit an hour before the fishing boats came home.',
  'Martha counted the sails against the grey water and wrote each name in her book.',
  'A gull settled on the railing, shook the rain from its wings and watched her work.',
  'By seven the wind had turned, and the smell of tar and salt drifted up the lane.',
  'Somewhere below, a bell rang twice, and the last of the boats rounded the point.',
];

/** A Markdown book of `chapters` chapters of `paragraphs` paragraphs each, all distinct. */
async function writeBook(dir: string, name: string, chapters: number, paragraphs: number): Promise<string> {
  const lines: string[] = [];
  for (let c = 0; c < chapters; c++) {
    lines.push(`# Chapter ${c + 1}`, '');
    for (let p = 0; p < paragraphs; p++) lines.push(`${SENTENCES[(c + p) % SENTENCES.length]} This is part ${p + 1} of chapter ${c + 1} of ${name}.`, '');
  }
  const path = join(dir, `${name}.md`);
  await writeFile(path, lines.join('\n'));
  return path;
}

/** The book's PCM as it was laid out for encoding: every part's pauses and segments, end to end. */
async function expectedPcm(h: Harness, book: FinalizeJobData, format: OutputFormat) {
  const store = new FsSegmentStore(h.config.storeDir);
  const codec = codecOf(format)!;
  const parts: { data: PartJobData; result: PartResult; offset: number }[] = [];
  let total = 0;
  for (const p of book.parts) {
    const job = (await Job.fromId<PartJobData, PartResult>(h.queues.encode, partJobId(book.bookId, p.part)))!;
    parts.push({ data: job.data, result: job.returnvalue, offset: total });
    total += job.returnvalue.samples;
  }
  const pcm = new Int16Array(total);
  const segments: { index: number; chapter: number; start: number; samples: number }[] = [];
  for (const { data, result, offset } of parts) {
    const layout = layoutPart({
      chunks: data.chunks.map((c, i) => ({ ...c, samples: result.chunks[i]!.samples })),
      pauseBefore: data.pauseBefore,
      last: data.last,
      rate: RATE,
      grid: partGrid(codec, RATE),
    });
    expect(layout.samples).toBe(result.samples);
    let at = offset;
    for (const entry of layout.entries) {
      if (entry.kind === 'segment') {
        const chunk = result.chunks.find((c) => c.index === entry.index)!;
        const seg = (await store.get(chunk.key))!;
        const bytes = (await readFile(seg.audio.path)).subarray(seg.audio.dataOffset, seg.audio.dataOffset + seg.audio.dataBytes);
        // The segment as mastered: its gain, as its part reported it (the limiter aside).
        const gain = 10 ** ((chunk.gainDb ?? 0) / 20);
        const raw = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
        pcm.set(raw.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * gain)))), at);
        segments.push({ index: entry.index, chapter: data.chapter, start: at, samples: entry.samples });
      }
      at += entry.samples;
    }
  }
  return { pcm, parts, segments, joins: parts.slice(1).map((p) => p.offset) };
}

describe('a book finished while it is narrated', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const format of ['m4b', 'mp3', 'opus', 'flac', 'wav'] as const) {
    it(`joins its ${format} parts with no click or gap, and every chapter mark lands where its chapter starts`, async () => {
      // Small parts: several per chapter, so there are joins inside chapters and between them.
      h = await createHarness(`finish-joins-${format}`, { NARRATE_PART_CHARS: '200', NARRATE_CONCURRENCY: '4' });
      const path = await writeBook(h.dir, `harbour-${format}`, 3, 4);
      // Lossless books are made unmastered here, so that they can be held to every sample.
      const { submission, statuses } = await h.narrate([path], { format, maxChars: 160, ...(LOSSLESS.has(format) ? { loudness: 'off' as const } : {}) });
      expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
      const bookId = submission.books[0]!.bookId;
      const book = (await Job.fromId<FinalizeJobData>(h.queues.finalize, bookId))!.data;
      expect(book.parts.length).toBeGreaterThanOrEqual(6);
      const report = JSON.parse(await readFile(statuses[0]!.output!.replace(/\.\w+$/, '.json'), 'utf8')) as BookReport;

      const { pcm, segments, joins, parts } = await expectedPcm(h, book, format);
      const decoded = await decodePcm(statuses[0]!.output!);
      // Not one sample inserted or lost anywhere: the file is exactly the planned PCM's length (for
      // mp3, plus the 47 samples of silence its last frame holds past the end).
      expect(decoded.length).toBe(pcm.length + tailExcess(codecOf(format)!));
      expect(report.durationMs).toBe(Math.round((pcm.length * 1000) / RATE));

      // Each segment sits exactly where it was planned: a frame too many or too few at any join
      // before it would move it by 576-1105 samples.
      const lags = segments.map((s) => bestLag(pcm, decoded, s.start, Math.min(s.samples, 2_400), 1_200));
      expect(lags, 'lag of each segment (samples)').toEqual(segments.map(() => 0));
      // The speech came through: the decoded book follows the PCM it was made from; a lossless
      // book is that PCM, sample for sample.
      if (LOSSLESS.has(format)) expect(Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).equals(Buffer.from(pcm.buffer))).toBe(true);
      else expect(snrDb(pcm, decoded)).toBeGreaterThan(8);

      // No click at a join: the join lies in a pause and the decoded audio around it is silent.
      for (const j of joins) {
        let peak = 0;
        for (let i = j - 1_024; i < j + 1_024; i++) peak = Math.max(peak, Math.abs(decoded[i]!));
        expect(peak, `peak around the join at sample ${j}`).toBeLessThan(64);
      }

      // Chapter marks: where the manifest says, within 50 ms, and the manifest where the audio says.
      // (WAV has no chapter marks a player reads: its chapters are its chapter files.)
      const probe = await probeAudio(statuses[0]!.output!);
      expect(probe.chapters.map((c) => c.title)).toEqual(format === 'wav' ? [] : ['Chapter 1', 'Chapter 2', 'Chapter 3']);
      report.chapters.forEach((c, i) => {
        if (format !== 'wav') expect(Math.abs(probe.chapters[i]!.startMs - c.startMs), `chapter ${i + 1} mark`).toBeLessThanOrEqual(50);
        const first = segments.find((s) => s.chapter === i)!;
        expect(Math.abs(c.startMs - (first.start * 1000) / RATE), `chapter ${i + 1} in the manifest`).toBeLessThanOrEqual(1);
      });
      expect(probe.tags.title?.toLowerCase()).toBe(`harbour ${format}`);
      // ffprobe counts an Ogg Opus stream's pre-skip (6.5 ms) in its duration; decoders trim it.
      expect(Math.abs(probe.durationMs - report.durationMs)).toBeLessThanOrEqual(format === 'mp3' ? 30 : format === 'opus' ? 7 : 1);

      if (format === 'mp3') {
        // ID3v2.3 with a CHAP frame per chapter and the CTOC that lists them (what ffprobe read above).
        const head = (await readFile(statuses[0]!.output!)).subarray(0, 64 * 1024);
        expect(head.subarray(0, 4).toString('latin1')).toBe('ID3\u0003');
        expect(head.toString('latin1').split('CHAP').length - 1).toBe(3);
        expect(head.includes(Buffer.from('CTOC'))).toBe(true);
      }

      // Each chapter's own file: its parts' PCM, whole.
      for (const [i, c] of report.chapters.entries()) {
        expect(c.file).toMatch(new RegExp(`\\.chapters/0${i + 1}-chapter-${i + 1}\\.${format}$`));
        const own = parts.filter((p) => p.data.chapter === i);
        const from = own[0]!.offset;
        const length = own.reduce((n, p) => n + p.result.samples, 0);
        const chapter = await decodePcm(c.file!);
        expect(chapter.length).toBe(length + tailExcess(codecOf(format)!));
        if (LOSSLESS.has(format)) expect(Buffer.from(chapter.buffer, chapter.byteOffset, chapter.byteLength).equals(Buffer.from(pcm.buffer, from * 2, length * 2))).toBe(true);
        else expect(snrDb(pcm.subarray(from, from + length), chapter)).toBeGreaterThan(8);
      }
    }, 240_000);
  }

  it('encodes parts before the last chunk is stored', async () => {
    h = await createHarness('finish-early', { NARRATE_PART_CHARS: '200' });
    const path = await writeBook(h.dir, 'early', 2, 3);
    const offline = new OfflineNarrator(new FsSegmentStore(h.config.storeDir).spool());
    const encode = h.queues.encode;
    let heldUntilAPartWasEncoded = false;
    // The last chunk's reading is held until some part of the book has been encoded (or 60 s pass):
    // a book encoded only at the end would keep it waiting out the full time.
    const narrator: Narrator = {
      name: offline.name,
      model: offline.model,
      async narrate(request) {
        if (request.text.includes('part 3 of chapter 2')) {
          await waitUntil('a part to be encoded', async () => (await encode.getCompletedCount()) > 0, { timeoutMs: 60_000, intervalMs: 100 })
            .then(() => (heldUntilAPartWasEncoded = true))
            .catch(() => undefined);
        }
        return offline.narrate(request);
      },
    };
    const { submission, statuses } = await h.narrate([path], { format: 'm4b', maxChars: 160 }, { narrator });
    expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
    expect(heldUntilAPartWasEncoded).toBe(true);
    const bookId = submission.books[0]!.bookId;
    const book = (await Job.fromId<FinalizeJobData>(h.queues.finalize, bookId))!.data;
    const lastChunk = (await Job.fromId(h.queues.synthesize, chunkJobId(bookId, book.chunks.length - 1)))!;
    const parts = await Promise.all(book.parts.map(async (p) => (await Job.fromId(encode, partJobId(bookId, p.part)))!.finishedOn!));
    expect(Math.min(...parts)).toBeLessThan(lastChunk.finishedOn!);
  }, 180_000);
});
