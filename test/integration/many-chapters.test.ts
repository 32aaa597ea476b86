/**
 * A book of more chapters than Nero's chpl list can hold (255: its count is one byte). The
 * QuickTime chapter track, which Apple's players read, must still hold every chapter, in order, at
 * the times the manifest gives; chpl may keep the first 255 or be absent, never a wrapped count.
 * Real speech (the offline voice), real ffmpeg, real Redis.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import { OfflineNarrator } from '../../src/providers/offline-narrator.js';
import type { Narrator } from '../../src/providers/narrator.js';
import { FsSegmentStore } from '../../src/store/fs-segment-store.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { chapterTrackTitles, chplEntries, findBoxes, parseBoxes } from '../helpers/mp4-boxes.js';

/** Past 255, and not 256 or 512: a count kept in one byte would wrap to 4, which the check below tells from a truncation. */
const CHAPTERS = 260;

/**
 * The offline voice, but one rendering per shape of sentence ("Chapter 100. Here is chapter 100."):
 * each chapter's chunk differs only in its number, and the voice's WebAssembly costs a tenth to a
 * quarter of a second of CPU a call, which 260 calls on two shared cores turn into a minute. Each chunk gets that
 * real speech (same length as its own would be) and its own text as transcript, so verification passes.
 */
function sameShapeVoice(h: Harness): Narrator {
  const spool = new FsSegmentStore(h.config.storeDir).spool();
  const offline = new OfflineNarrator(spool);
  const speech = new Map<string, Promise<Buffer>>();
  return {
    name: offline.name,
    model: offline.model,
    async narrate(request) {
      const shape = request.text.replace(/\d+/g, '100');
      if (!speech.has(shape)) speech.set(shape, offline.narrate({ ...request, text: shape }).then((r) => readFile(r.audio!.path)));
      return { audio: await spool.fromBuffer(await speech.get(shape)!), transcript: request.text, finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 } };
    },
  };
}

describe('a book of more than 255 chapters (m4b)', () => {
  let h: Harness | undefined;
  afterAll(async () => h?.close());

  it(`keeps all ${CHAPTERS} chapters in the QuickTime chapter track, each at its manifest time, and at most 255 in chpl`, async () => {
    // One part per chapter (a part never crosses a chapter): 260 short encodes and 260 chapter files.
    h = await createHarness('many-chapters', { NARRATE_CONCURRENCY: '8' });
    const lines: string[] = [];
    for (let c = 1; c <= CHAPTERS; c++) lines.push(`# Chapter ${c}`, '', `Here is chapter ${c}.`, '');
    const path = join(h.dir, 'many.md');
    await writeFile(path, lines.join('\n'));

    // Mastering off: what is tested is the chapter list, and the limiter would only add CPU.
    const { statuses } = await h.narrate([path], { format: 'm4b', loudness: 'off' }, { encodeConcurrency: 2, narrator: sameShapeVoice(h) });
    expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
    const output = statuses[0]!.output!;
    const report = JSON.parse(await readFile(output.replace(/\.m4b$/, '.json'), 'utf8')) as BookReport;
    const titles = Array.from({ length: CHAPTERS }, (_, i) => `Chapter ${i + 1}`);
    expect(report.chapters.map((c) => c.title)).toEqual(titles);

    // What a player shows: every chapter, titled, where the manifest puts it.
    const probe = await probeAudio(output);
    expect(probe.chapters.map((c) => c.title)).toEqual(titles);
    const off = report.chapters.map((c, i) => ({ chapter: i + 1, ms: Math.abs(probe.chapters[i]!.startMs - c.startMs) })).filter((d) => d.ms > 50);
    expect(off, 'chapters whose mark is more than 50 ms from the manifest').toEqual([]);
    expect(Math.abs(probe.durationMs - report.durationMs)).toBeLessThanOrEqual(50);

    // Inside the file: ffprobe merges chpl and the chapter track, so look at each on its own.
    const bytes = await readFile(output);
    const boxes = parseBoxes(bytes);
    const chpl = findBoxes(boxes, ['moov', 'udta', 'chpl']);
    expect(chpl.length).toBeLessThanOrEqual(1);
    if (chpl[0]) {
      const entries = chplEntries(bytes, chpl[0]);
      expect(entries.length).toBeLessThanOrEqual(255);
      // What it holds is the book's beginning, not a count wrapped past 255 (260 mod 256 = 4).
      expect(entries.map((e) => e.title)).toEqual(titles.slice(0, entries.length));
      expect(entries.length).toBeGreaterThan(CHAPTERS % 256);
    }
    // The QuickTime chapter track (a text track referred to by the audio's tref/chap): all of them.
    expect(chapterTrackTitles(bytes)).toEqual([titles]);
  }, 180_000);
});
