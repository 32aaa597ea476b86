/**
 * A book of more chapters than Nero's chpl list can hold (255: its count is one byte). The
 * QuickTime chapter track, which Apple's players read, must still hold every chapter, in order, at
 * the times the book's timeline gives; chpl may keep the first 255 or be absent, never a wrapped
 * count. Real ffmpeg: one AAC part encoded as a part is, joined 260 times by the book's own
 * assembler, one part a chapter as the pipeline lays them out (a part never crosses a chapter).
 *
 * It used to narrate 260 chapters through the whole pipeline: 260 part encodes and 260 chapter
 * files, over 500 ffmpeg processes, which timed out at 180 s on a loaded machine. What it proves
 * lives in the assembly (the timeline's marks written into the container), so it now does only
 * that work; narrating into chapters, and the manifest's times against the file's, are covered
 * with fewer chapters by the pipeline tests (finish-joins, other-formats).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BOOK_FORMAT } from '../../src/audio/wav-format.js';
import { assembleParts } from '../../src/finalizer/assemble-parts.js';
import { CODECS } from '../../src/finalizer/codecs.js';
import { probeAudio, runFfmpeg } from '../../src/finalizer/ffmpeg.js';
import { partFrameCount, partMuxer } from '../../src/finalizer/part-stream.js';
import { chapterTrackTitles, chplEntries, findBoxes, parseBoxes } from '../helpers/mp4-boxes.js';

/** Past 255, and not 256 or 512: a count kept in one byte would wrap to 4, which the check below tells from a truncation. */
const CHAPTERS = 260;
/** Samples of each chapter's part: whole AAC frames, as the pipeline cuts parts (about half a second at 24 kHz). */
const PART_SAMPLES = 12 * 1024;

describe('a book of more than 255 chapters (m4b)', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`keeps all ${CHAPTERS} chapters in the QuickTime chapter track, each at its timeline time, and at most 255 in chpl`, async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-many-chapters-'));
    const codec = CODECS.m4b;
    const rate = BOOK_FORMAT.sampleRate;
    // One part, encoded as encode-part.ts does (the codec's encoder and part muxer), with a tone's
    // exact sample count; the assembler reads it once per chapter and drops each later copy's priming frame.
    const part = join(dir, 'part.aac');
    await runFfmpeg(['-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=${rate}`, '-af', `atrim=end_sample=${PART_SAMPLES}`, '-ac', '1', ...codec.encoder, ...partMuxer(codec), '-y', part]);
    expect(partFrameCount(codec, await readFile(part))).toBe(PART_SAMPLES / codec.frameSize + 1);

    const ms = (samples: number) => (samples * 1000) / rate;
    const titles = Array.from({ length: CHAPTERS }, (_, i) => `Chapter ${i + 1}`);
    const chapters = titles.map((title, i) => ({ title, startMs: ms(i * PART_SAMPLES), endMs: ms((i + 1) * PART_SAMPLES) }));
    const output = join(dir, 'many.m4b');
    await assembleParts({
      codec,
      parts: titles.map(() => 'part.aac'),
      read: async () => createReadStream(part),
      output,
      samples: CHAPTERS * PART_SAMPLES,
      tags: { title: 'Many Chapters' },
      chapters,
    });

    // What a player shows: every chapter, titled, where the timeline puts it.
    const probe = await probeAudio(output);
    expect(probe.chapters.map((c) => c.title)).toEqual(titles);
    const off = chapters.map((c, i) => ({ chapter: i + 1, ms: Math.abs(probe.chapters[i]!.startMs - c.startMs) })).filter((d) => d.ms > 50);
    expect(off, 'chapters whose mark is more than 50 ms from the timeline').toEqual([]);
    expect(Math.abs(probe.durationMs - ms(CHAPTERS * PART_SAMPLES))).toBeLessThanOrEqual(50);

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
  });
});
