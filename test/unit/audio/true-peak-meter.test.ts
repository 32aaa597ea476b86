import { describe, expect, it } from 'vitest';
import { TruePeakMeter } from '../../../src/audio/true-peak-meter.js';
import { fillWithSpeech, loadSpeechBank } from '../../helpers/speech-bank.js';

/** The samples of 16-bit PCM as floats in [-1, 1], as push() takes them. */
function floats(pcm: Buffer): Float64Array {
  const out = new Float64Array(pcm.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(i * 2) / 32768;
  return out;
}

/** Every window interpolated, none skipped: what the meter's skipping must not change. */
function everyWindowPeak(samples: Float64Array): number {
  const meter = new TruePeakMeter(4) as unknown as { coefs: Float64Array; taps: number; factor: number };
  const { coefs, taps, factor } = meter;
  let peak = 0;
  const at = (k: number) => (k < 0 ? 0 : samples[k]!);
  for (let k = 0; k < samples.length; k++) {
    peak = Math.max(peak, Math.abs(samples[k]!));
    for (let p = 0, c = 0; p < factor; p++) {
      let acc = 0;
      for (let t = 0; t < taps; t++, c++) acc += coefs[c]! * at(k - taps + 1 + t);
      peak = Math.max(peak, Math.abs(acc));
    }
  }
  return peak;
}

describe('TruePeakMeter on real speech', () => {
  // A reading at the voice's level, one 10 dB down, and one pushed into clipping (overs between samples).
  for (const [seed, gain] of [
    [1, 1],
    [7, 0.316],
    [13, 3],
  ] as const) {
    it(`finds the true and sample peaks of every window, from floats and from 16-bit PCM alike (reading ${seed}, gain ${gain})`, async () => {
      const pcm = fillWithSpeech(await loadSpeechBank(), 120_000, seed, gain);
      const samples = floats(pcm);
      const fromFloats = new TruePeakMeter(4);
      // Pieces of odd sizes, so windows straddle pushes.
      for (let at = 0; at < samples.length; at += 5_001) fromFloats.push(samples.subarray(at, at + 5_001));
      const fromPcm = new TruePeakMeter(4);
      const view = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);
      for (let at = 0; at < view.length; at += 7_003) fromPcm.pushPcm16(view.subarray(at, at + 7_003));

      let samplePeak = 0;
      for (const x of samples) samplePeak = Math.max(samplePeak, Math.abs(x));
      // Exactly: skipping windows that cannot lift the peak changes nothing, not even the last bit.
      expect(fromFloats.linear).toBe(everyWindowPeak(samples));
      expect(fromFloats.sampleLinear).toBe(samplePeak);
      expect(fromPcm.linear).toBe(fromFloats.linear);
      expect(fromPcm.sampleLinear).toBe(samplePeak);
      if (gain === 3) expect(fromFloats.linear, 'overs between clipped samples').toBeGreaterThan(samplePeak);
    });
  }

  it('refuses to mix floats and 16-bit PCM in one meter (the last samples of one kind open the next windows)', () => {
    const meter = new TruePeakMeter(4);
    meter.push(new Float64Array([0.5, -0.5]));
    expect(() => meter.pushPcm16(new Int16Array([100, -100]))).toThrow(/fed pcm16 samples after float samples/);
  });
});
