import type { SegmentLoudness } from '../audio/segment-loudness.js';
import type { LoudnessPreset } from './loudness-presets.js';

/** Largest correction one segment gets, either way: beyond it a reading is broken, not quiet. */
export const MAX_SEGMENT_GAIN_DB = 15;

/**
 * Headroom kept while a part's PCM is still 16-bit: every segment is scaled by its gain minus this
 * in JS (so nothing clips there), and ffmpeg's limiter, working in floating point, adds it back
 * before it limits. 15 dB covers the largest gain; the 16-bit stage loses at most 2.5 bits of a
 * segment's 16, well under what a 64 kb/s encode keeps.
 */
export const HEADROOM_DB = 15;

/**
 * The constant gain (dB) that brings one segment to the preset's level, from what was measured
 * when it was stored. Parts are encoded while the book is still being narrated, so the book's own
 * level cannot be known yet: every segment is brought to the target itself, which also levels a
 * model whose output drifts from call to call. Then the book, whatever it holds, sits at the target
 * with no second pass. A segment too short or too quiet to gate (under about half a second of
 * sound, a heading alone) gets the gain its RMS suggests, or none.
 *
 * The limiter that keeps true peaks under the ceiling takes some loudness from speech whose peaks
 * it holds down; a little make-up, growing with how far the segment's peaks go past the ceiling,
 * puts it back (fitted on the offline voice: 0.6 LU lost at 3.8 dB over the limit, 1.2 at 5.3). The limit sits 2.5 dB under the ceiling: alimiter is a sample-peak limiter with a 5 ms attack, and the peaks it lets through, the inter-sample overs and the AAC encode together added up to 1.4 dB on espeak-ng's voice and to 1.9 dB on flite's rms, whose onsets are sharper (measured with ebur128 on finished books: test/integration/mastering.test.ts, other-formats.test.ts).
 */
export function masterGainDb(loudness: SegmentLoudness | undefined, preset: LoudnessPreset): number {
  if (preset.measure === undefined || loudness === undefined) return 0;
  let level: number | null;
  if (preset.measure === 'rms' || loudness.integrated === null || loudness.gatedBlocks < 5) {
    level = loudness.samples > 0 && loudness.sumSquares > 0 ? 10 * Math.log10(loudness.sumSquares / loudness.samples) : null;
    // RMS of speech reads about a decibel under its gated loudness (pauses count): align the two scales.
    if (level !== null && preset.measure === 'lufs') level += 1;
  } else {
    level = loudness.integrated;
  }
  if (level === null) return 0;
  let gain = clamp(preset.target - level, MAX_SEGMENT_GAIN_DB);
  if (loudness.truePeak !== null) {
    const over = loudness.truePeak + gain - limiterLimitDb(preset);
    if (over > 0) gain = clamp(gain + Math.min(2, 0.04 * over * over), MAX_SEGMENT_GAIN_DB);
  }
  return Math.round(gain * 100) / 100;
}

/** Where the limiter holds sample peaks: under the ceiling by the overshoot a lossy encode adds back. */
export function limiterLimitDb(preset: LoudnessPreset): number {
  return preset.ceiling - 2.5;
}

/**
 * The ffmpeg filter run on every part of a mastered book: it restores the headroom the 16-bit
 * stage kept (level_in) and holds peaks under the limit with a 5 ms look-ahead. `level=false`:
 * alimiter otherwise re-normalises its output, which would undo the level. `latency=true`: its
 * look-ahead delay is taken back, so the part keeps its exact length and every chapter mark its
 * place. A limiter touches only peaks over the limit; it is not dynamic normalisation.
 */
export function limiterFilter(preset: LoudnessPreset): string | undefined {
  if (preset.measure === undefined) return undefined;
  const levelIn = 10 ** (HEADROOM_DB / 20);
  const limit = 10 ** (limiterLimitDb(preset) / 20);
  return `alimiter=level_in=${levelIn.toFixed(5)}:limit=${limit.toFixed(5)}:attack=5:release=50:level=false:latency=true`;
}

/** The gain applied to a segment's 16-bit PCM before the limiter adds the headroom back. */
export function pcmGainDb(loudness: SegmentLoudness | undefined, preset: LoudnessPreset): number {
  if (preset.measure === undefined) return 0;
  return masterGainDb(loudness, preset) - HEADROOM_DB;
}

function clamp(db: number, max: number): number {
  return Math.max(-max, Math.min(max, db));
}

/** The integrated loudness a segment will have after `gainDb`, for the manifest and tests. */
export function loudnessAfter(loudness: SegmentLoudness, gainDb: number): number | null {
  return loudness.integrated === null ? null : loudness.integrated + gainDb;
}
