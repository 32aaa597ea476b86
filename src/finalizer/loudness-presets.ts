import { LOUDNESS_PRESETS, type LoudnessPresetName } from '../contracts/loudness-preset-name.js';

/** What mastering aims for. */
export interface LoudnessPreset {
  name: LoudnessPresetName;
  /**
   * What `target` is measured in: gated integrated loudness (EBU R128, LUFS), or ACX's unweighted
   * RMS over the whole file (dBFS). Undefined for `off`: segments keep the level the model gave them.
   */
  measure: 'lufs' | 'rms' | undefined;
  /** The level every segment is brought to, in the unit of `measure`. */
  target: number;
  /** Highest true peak allowed in the finished file, dBTP. */
  ceiling: number;
  /** ACX only: room tone at the head and tail of every file (ms), and one file per chapter in MP3 192k CBR 44.1 kHz mono. */
  acx: boolean;
}

/**
 * The presets. Why these numbers:
 * - audiobook: -18 LUFS, -2 dBTP. -18 is the middle of the -20..-16 band spoken-word platforms
 *   ask for and AES TD1004's recommendation for speech streamed to listeners on any device; it
 *   sits inside ACX's RMS window as well, so a book made with the default is near a submission.
 *   -2 dBTP rather than -1: the book is AAC or MP3 at 64 kb/s, and a lossy encode at that rate
 *   lifts true peaks by up to about a decibel (measured here: +0.3 to +0.7 dB on the offline voice);
 *   AES TD1004 advises the lower ceiling for low-bitrate codecs.
 * - podcast: -16 LUFS, -1 dBTP, the common podcast delivery level (Apple's spoken-word guidance).
 * - acx: ACX's audio submission requirements: RMS between -23 and -18 dB (aimed at -20, the
 *   middle, after pauses and room tone are counted), peaks at or below -3 dB (limited at -3.5 dBTP
 *   so the MP3 encode's overshoot stays under), noise floor at or below -60 dB.
 * - off: nothing is changed; the limiter is not used either.
 */
export const PRESETS: Readonly<Record<LoudnessPresetName, LoudnessPreset>> = Object.freeze({
  audiobook: { name: 'audiobook', measure: 'lufs', target: -18, ceiling: -2, acx: false },
  podcast: { name: 'podcast', measure: 'lufs', target: -16, ceiling: -1, acx: false },
  acx: { name: 'acx', measure: 'rms', target: -19.5, ceiling: -3.5, acx: true },
  off: { name: 'off', measure: undefined, target: 0, ceiling: 0, acx: false },
});

/** The default when neither flag nor manifest names one. */
export const DEFAULT_LOUDNESS: LoudnessPresetName = 'audiobook';

/** Whether `name` is a preset. */
export function isLoudnessPreset(name: string): name is LoudnessPresetName {
  return (LOUDNESS_PRESETS as readonly string[]).includes(name);
}

/** ACX's limits on a finished file, which the acx preset's files are checked against. */
export const ACX_SPEC = Object.freeze({
  rms: [-23, -18] as const,
  peak: -3,
  noiseFloor: -60,
  headRoomToneMs: [500, 1000] as const,
  tailRoomToneMs: [1000, 5000] as const,
  maxFileMinutes: 120,
  bitrate: 192_000,
  sampleRate: 44_100,
  channels: 1,
});
