import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoudnessMeter } from '../../../src/audio/loudness-meter.js';
import { loudnessOfSummary, mergeLoudnessSummaries, summarizeLoudness, type LoudnessSummary } from '../../../src/audio/loudness-summary.js';
import { parseWav } from '../../../src/audio/parse-wav.js';
import { PROSE, offlineSpeech } from '../../helpers/speech.js';

describe('loudness summaries of pieces, merged', () => {
  let dir: string;
  let pieces: Buffer[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-summary-'));
    // Real speech at four levels, each piece ending in a pause as a book's parts do.
    const gains = [1, 0.2, 0.7, 0.4];
    const pause = Buffer.alloc(24000); // 0.5 s
    pieces = [];
    for (const [i, gain] of gains.entries()) {
      const speech = await offlineSpeech(dir, `${PROSE[i]!} ${PROSE[(i + 2) % PROSE.length]!}`, i % 2 ? 'nova' : 'alloy');
      const { data } = parseWav(await readFile(speech.path));
      const scaled = Buffer.alloc(data.length);
      for (let k = 0; k < data.length; k += 2) scaled.writeInt16LE(Math.round(data.readInt16LE(k) * gain), k);
      pieces.push(Buffer.concat([pause, scaled, pause]));
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const measure = (pcm: Buffer) => {
    const meter = new LoudnessMeter(24000);
    meter.pushPcm16(pcm);
    return meter;
  };

  it('give the whole signal’s integrated loudness, range, peaks and RMS', () => {
    const whole = measure(Buffer.concat(pieces)).result();
    const summaries = pieces.map((p) => summarizeLoudness(measure(p)));
    // Through JSON, as a part's result travels through Redis.
    const merged = loudnessOfSummary(mergeLoudnessSummaries(JSON.parse(JSON.stringify(summaries)) as LoudnessSummary[]));
    expect(Math.abs(merged.integrated - whole.integrated)).toBeLessThan(0.05);
    expect(Math.abs(merged.lra - whole.lra)).toBeLessThan(0.3);
    expect(merged.truePeak).toBeCloseTo(whole.truePeak, 6);
    expect(merged.samplePeak).toBeCloseTo(whole.samplePeak, 6);
    expect(merged.rms).toBeCloseTo(whole.rms, 6);
    expect(merged.samples).toBe(whole.samples);
    // The levels differ enough that the gates matter: a plain mean of the pieces would be off.
    const plainMean = summaries.map((s) => loudnessOfSummary(s).integrated).reduce((a, b) => a + b) / summaries.length;
    expect(Math.abs(plainMean - whole.integrated)).toBeGreaterThan(0.3);
  });

  it('of one piece read as the meter’s own result', () => {
    const meter = measure(pieces[0]!);
    const own = meter.result();
    const summed = loudnessOfSummary(summarizeLoudness(meter));
    expect(Math.abs(summed.integrated - own.integrated)).toBeLessThan(0.05);
    expect(summed.noiseFloor).toBeCloseTo(own.noiseFloor, 6);
  });

  it('stay small enough for a job result: a few KB for minutes of speech', () => {
    const long = Buffer.concat(Array.from({ length: 12 }, () => Buffer.concat(pieces)));
    const summary = summarizeLoudness(measure(long));
    expect(long.length / 2 / 24000).toBeGreaterThan(120);
    expect(JSON.stringify(summary).length).toBeLessThan(16_000);
  });

  it('of silence read as silence, with no -Infinity in them', () => {
    const summary = summarizeLoudness(measure(Buffer.alloc(48000 * 3)));
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    const l = loudnessOfSummary(mergeLoudnessSummaries([summary, summary]));
    expect(l.integrated).toBe(-Infinity);
    expect(l.truePeak).toBe(-Infinity);
    expect(l.gatedBlocks).toBe(0);
  });
});
