/**
 * The acx preset against ACX's audio submission requirements, measured on the files it writes from
 * real speech (the offline voice): MP3 192 kb/s CBR, 44.1 kHz, mono; one file per chapter, credits
 * included, each opening with its heading read aloud; RMS -23..-18 dB, peaks at or below -3 dB,
 * noise floor at or below -60 dB (and not digital silence); 0.5-1 s of room tone at the head of
 * each file and 1-5 s at its tail; under 120 minutes.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoudnessMeter } from '../../src/audio/loudness-meter.js';
import { ACX_SPEC } from '../../src/finalizer/loudness-presets.js';
import { frameLength } from '../../src/finalizer/containers/elementary-frames.js';
import { chunkJobId } from '../../src/queue/build-flow.js';
import type { FinalizeJobData, SynthesizeJobRef } from '../../src/contracts/job-data.js';
import { openSegmentStore } from '../../src/store/open-segment-store.js';
import { chunkOfJob } from '../helpers/chunk-of-job.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { PROSE } from '../helpers/speech.js';
import { acxChapters } from '../../src/producer/resolve-book-finish.js';

const run = promisify(execFile);
const RATE = 44_100;
const BOOK = `# The First Door\n\n${PROSE.slice(0, 3).join('\n\n')}\n\n# The Second Door\n\n${PROSE.slice(2, 5).join('\n\n')}\n`;

async function decode(path: string): Promise<Int16Array> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:a', '-f', 's16le', '-ac', '1', '-ar', String(RATE), '-'], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  return new Int16Array(stdout.buffer, stdout.byteOffset, stdout.length / 2);
}

const db = (power: number) => 10 * Math.log10(power);

/** RMS (dBFS) of each 50 ms window. */
function windows(pcm: Int16Array): number[] {
  const size = RATE / 20;
  const out: number[] = [];
  for (let at = 0; at + size <= pcm.length; at += size) {
    let sum = 0;
    for (let i = at; i < at + size; i++) sum += (pcm[i]! / 32768) ** 2;
    out.push(db(sum / size));
  }
  return out;
}

/** The bitrate (kb/s) of every MPEG audio frame after the ID3v2 tag. */
function frameBitrates(file: Buffer): number[] {
  let at = file.subarray(0, 3).toString('latin1') === 'ID3' ? 10 + ((file[6]! << 21) | (file[7]! << 14) | (file[8]! << 7) | file[9]!) : 0;
  const rates: number[] = [];
  const V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
  while (at + 4 <= file.length) {
    const length = frameLength('mp3', file, at);
    if (!length) break; // an ID3v1 tag or trailing bytes
    rates.push(V1[file[at + 2]! >> 4]!);
    at += length;
  }
  return rates;
}

describe('acx: files ACX accepts, from real speech', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('acx');
    await writeFile(join(h.dir, 'doors.md'), BOOK);
  });
  afterAll(async () => h?.close());

  it('writes one MP3 per chapter, credits included, within every ACX limit', async () => {
    const out = join(h.dir, 'acx');
    const { submission, statuses } = await h.narrate([join(h.dir, 'doors.md')], { outDir: out, loudness: 'acx', author: 'A. Writer', narrator: 'Ann Reed' });
    expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
    const files = (await readdir(join(out, 'doors'))).filter((f) => f.endsWith('.mp3')).sort();
    expect(files).toEqual(['01 - Opening Credits.mp3', '02 - The First Door.mp3', '03 - The Second Door.mp3', '04 - Closing Credits.mp3']);

    for (const name of files) {
      const path = join(out, 'doors', name);
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path]);
      const info = JSON.parse(stdout) as { streams: { codec_name: string; sample_rate: string; channels: number }[]; format: { duration: string } };
      expect(info.streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: String(ACX_SPEC.sampleRate), channels: ACX_SPEC.channels });
      expect(Number(info.format.duration) / 60).toBeLessThan(ACX_SPEC.maxFileMinutes);
      // Constant bitrate: every frame at 192 kb/s.
      const rates = frameBitrates(await readFile(path));
      expect(rates.length).toBeGreaterThan(10);
      expect(new Set(rates), name).toEqual(new Set([ACX_SPEC.bitrate / 1000]));

      const pcm = await decode(path);
      let sum = 0;
      let peak = 0;
      for (const v of pcm) {
        sum += (v / 32768) ** 2;
        peak = Math.max(peak, Math.abs(v) / 32768);
      }
      const rms = db(sum / pcm.length);
      expect(rms, `${name} RMS`).toBeGreaterThanOrEqual(ACX_SPEC.rms[0]);
      expect(rms, `${name} RMS`).toBeLessThanOrEqual(ACX_SPEC.rms[1]);
      expect(20 * Math.log10(peak), `${name} peak`).toBeLessThanOrEqual(ACX_SPEC.peak);
      const meter = new LoudnessMeter(RATE);
      meter.pushPcm16(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
      const floor = meter.result().noiseFloor;
      expect(floor, `${name} noise floor`).toBeLessThanOrEqual(ACX_SPEC.noiseFloor);
      // Room tone, not digital silence (ACX hears that as an edit).
      expect(floor, `${name} noise floor`).toBeGreaterThan(-90);

      // Room tone: the voice starts 0.5-1 s in and ends 1-5 s before the end.
      const levels = windows(pcm);
      const voiced = levels.map((l, i) => (l > -45 ? i : -1)).filter((i) => i >= 0);
      const headMs = voiced[0]! * 50;
      const tailMs = (levels.length - 1 - voiced[voiced.length - 1]!) * 50;
      expect(headMs, `${name} head room tone`).toBeGreaterThanOrEqual(ACX_SPEC.headRoomToneMs[0]);
      expect(headMs, `${name} head room tone`).toBeLessThanOrEqual(ACX_SPEC.headRoomToneMs[1]);
      expect(tailMs, `${name} tail room tone`).toBeGreaterThanOrEqual(ACX_SPEC.tailRoomToneMs[0]);
      expect(tailMs, `${name} tail room tone`).toBeLessThanOrEqual(ACX_SPEC.tailRoomToneMs[1]);
    }

    // What was read: the credits, and each chapter opening with its heading.
    const bookId = submission.books[0]!.bookId;
    const book = (await Job.fromId<FinalizeJobData>(h.queues.finalize, bookId))!.data;
    const firstText = async (chapter: number) => {
      const index = book.chunks.findIndex((c) => c.chapter === chapter);
      const job = (await Job.fromId<SynthesizeJobRef>(h.queues.synthesize, chunkJobId(bookId, index)))!;
      // The job carries its part's text key: the words are read from the store, as a worker reads them.
      const store = openSegmentStore(h.config);
      try {
        return (await chunkOfJob(store, job.data)).text;
      } finally {
        await store.close();
      }
    };
    expect(await firstText(0)).toBe('Doors, by A. Writer. Narrated by Ann Reed.');
    expect(await firstText(1)).toMatch(/^The First Door\b/);
    expect(await firstText(2)).toMatch(/^The Second Door\b/);
    expect(await firstText(3)).toBe('The End. This has been Doors, by A. Writer, narrated by Ann Reed.');
  }, 180_000);

  it('splits a chapter too long for one ACX file at paragraph ends, each part opening with its heading', () => {
    const paragraph = 'word '.repeat(2_000).trim(); // 9,999 characters, about 11 minutes
    const chapters = acxChapters([{ title: 'The Long Road', paragraphs: Array.from({ length: 20 }, () => paragraph) }]);
    expect(chapters.map((c) => c.title)).toEqual(['The Long Road', 'The Long Road (part 2)', 'The Long Road (part 3)']);
    expect(chapters[0]!.paragraphs[0]).toBe('The Long Road');
    expect(chapters[1]!.paragraphs[0]).toBe('The Long Road, part 2.');
    // Nothing lost or repeated: every paragraph once, in order.
    expect(chapters.flatMap((c) => c.paragraphs.filter((p) => p === paragraph)).length).toBe(20);
    for (const c of chapters) expect(c.paragraphs.join(' ').length / 15 / 60).toBeLessThan(ACX_SPEC.maxFileMinutes);
    // A chapter that already opens with its heading is not given it twice.
    expect(acxChapters([{ title: 'One', paragraphs: ['One.', 'Text.'] }])[0]!.paragraphs).toEqual(['One.', 'Text.']);
  });
});
