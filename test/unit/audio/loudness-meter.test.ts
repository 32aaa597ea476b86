import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoudnessMeter, combinedLoudness } from '../../../src/audio/loudness-meter.js';
import { measureWavLoudness } from '../../../src/audio/measure-wav-loudness.js';
import { parseWav, readWavInfo } from '../../../src/audio/parse-wav.js';
import { BOOK_FORMAT } from '../../../src/audio/wav-format.js';
import { writeWav } from '../../../src/audio/write-wav.js';
import { measureFileLoudness } from '../../../src/finalizer/measure-loudness.js';
import { PROSE, offlineSpeech } from '../../helpers/speech.js';
import { fillWithSpeech, loadSpeechBank } from '../../helpers/speech-bank.js';
import { readFile } from 'node:fs/promises';

function sine(hz: number, amplitude: number, seconds: number, rate = 48000, phase = 0): Float64Array {
  const out = new Float64Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate + phase);
  return out;
}

function pcm16(samples: Float64Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((x, i) => out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x * 32767))), i * 2));
  return out;
}

describe('LoudnessMeter on synthetic signals', () => {
  it('reads a full-scale 997 Hz sine on one channel as -3.01 LUFS (BS.1770 calibration)', () => {
    const meter = new LoudnessMeter(48000);
    meter.push(sine(997, 1, 5));
    const r = meter.result();
    expect(r.integrated).toBeCloseTo(-3.01, 1);
    expect(r.rms).toBeCloseTo(-3.01, 1);
    expect(r.lra).toBeLessThan(0.1);
  });

  it('finds the true peak between samples that a sample peak misses', () => {
    // fs/4 at a 45° phase: every sample sits at ±0.707 of the wave's crest.
    const meter = new LoudnessMeter(48000);
    meter.push(sine(12000, 0.5, 1, 48000, Math.PI / 4));
    const r = meter.result();
    expect(r.samplePeak).toBeCloseTo(20 * Math.log10(0.5 * Math.SQRT1_2), 1);
    expect(r.truePeak).toBeCloseTo(20 * Math.log10(0.5), 0);
    expect(r.truePeak - r.samplePeak).toBeGreaterThan(2.5);
  });

  it('gates silence out of the integrated loudness but not out of the RMS', () => {
    const tone = sine(997, 0.1, 20);
    const withSilence = new Float64Array(tone.length * 3);
    withSilence.set(tone, 0);
    const a = new LoudnessMeter(48000);
    a.push(tone);
    const b = new LoudnessMeter(48000);
    b.push(withSilence);
    expect(b.result().integrated).toBeCloseTo(a.result().integrated, 1);
    expect(b.result().rms).toBeCloseTo(a.result().rms - 10 * Math.log10(3), 1);
    expect(b.result().noiseFloor).toBe(-Infinity);
  });

  it('combines pieces measured apart, gains included, as if measured together', () => {
    const quiet = new LoudnessMeter(48000);
    quiet.push(sine(997, 0.05, 4));
    const loud = new LoudnessMeter(48000);
    loud.push(sine(997, 0.2, 4));
    // +12.04 dB on the quiet one makes it as loud as the loud one.
    const combined = combinedLoudness([{ ...quiet.result(), gainDb: 20 * Math.log10(4) }, loud.result()]);
    expect(combined).toBeCloseTo(loud.result().integrated, 1);
  });
});

describe('LoudnessMeter against ffmpeg ebur128 on real speech', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-meter-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('agrees within 0.2 LU / dB on integrated loudness, loudness range and true peak', async () => {
    // Three voices at three levels, so the range is wide and the relative gate does some work.
    const pieces = await Promise.all([
      offlineSpeech(dir, PROSE.slice(0, 3).join(' '), 'alloy'),
      offlineSpeech(dir, PROSE.slice(2, 5).join(' '), 'fable'),
      offlineSpeech(dir, PROSE.slice(1, 4).join(' '), 'nova'),
    ]);
    const gains = [1, 0.3, 0.6];
    const data: Buffer[] = [];
    for (const [i, piece] of pieces.entries()) {
      const { data: pcm } = parseWav(await readFile(piece.path));
      const scaled = Buffer.alloc(pcm.length);
      for (let k = 0; k < pcm.length; k += 2) scaled.writeInt16LE(Math.round(pcm.readInt16LE(k) * gains[i]!), k);
      data.push(scaled);
    }
    const path = join(dir, 'speech.wav');
    const wav = writeWav(BOOK_FORMAT, Buffer.concat(data));
    await writeFile(path, wav);
    const ours = await measureWavLoudness({ path, ...readWavInfo(wav, wav.length) });
    const theirs = await measureFileLoudness(path);
    expect(theirs.lra).toBeGreaterThan(3);
    // ffmpeg prints one decimal: 0.05 of rounding on top of the tolerance.
    expect(Math.abs(ours.integrated - theirs.integrated)).toBeLessThanOrEqual(0.15);
    expect(Math.abs(ours.lra - theirs.lra)).toBeLessThanOrEqual(0.25);
    expect(Math.abs(ours.truePeak - theirs.truePeak)).toBeLessThanOrEqual(0.25);
  });

  it('measures a WAV file in pieces exactly as in one go', async () => {
    const speech = await offlineSpeech(dir, PROSE[4]!, 'alloy');
    const { data } = parseWav(await readFile(speech.path));
    const whole = new LoudnessMeter(24000);
    whole.pushPcm16(data);
    const streamed = await measureWavLoudness(speech);
    expect(streamed.integrated).toBeCloseTo(whole.result().integrated, 6);
    expect(streamed.truePeak).toBeCloseTo(whole.result().truePeak, 6);
    expect(streamed.samples).toBe(data.length / 2);
  });
});

describe('LoudnessMeter on 16-bit PCM', () => {
  // The worker's path (pushPcm16) reads the integers where they lie; the float path converts first.
  for (const [seed, gain] of [
    [1, 1],
    [7, 0.316],
    [13, 3],
  ] as const) {
    it(`measures real speech exactly as the same samples pushed as floats, every figure to the last bit (reading ${seed}, gain ${gain})`, async () => {
      const pcm = fillWithSpeech(await loadSpeechBank(), 300_000, seed, gain);
      const samples = new Float64Array(pcm.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2) / 32768;
      const fromFloats = new LoudnessMeter(24_000);
      fromFloats.push(samples);
      // The PCM at an odd byte offset and in pieces that are not whole 100 ms sub-blocks or 4096-sample blocks.
      const odd = Buffer.alloc(pcm.length + 1).subarray(1);
      pcm.copy(odd);
      const fromPcm = new LoudnessMeter(24_000);
      for (let at = 0; at < odd.length; at += 10_002) fromPcm.pushPcm16(odd.subarray(at, at + 10_002));
      expect(fromPcm.result().integrated).toBeGreaterThan(-45);
      expect(fromPcm.result()).toEqual(fromFloats.result());
      expect(fromPcm.blocks()).toEqual(fromFloats.blocks());
    });
  }
});
