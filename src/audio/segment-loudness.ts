import type { Loudness } from './loudness-meter.js';
import { measureWavLoudness } from './measure-wav-loudness.js';
import type { WavInfo } from './parse-wav.js';

/**
 * A segment's loudness as the store keeps it (JSON, so a level below measure is null, not
 * -Infinity). Enough for the finalizer to level and master a book from the numbers alone:
 * integrated loudness and true peak for the gain and the limit, gated blocks and their power to
 * combine segments into a chapter's loudness, the sum of squares for ACX's RMS.
 */
export interface SegmentLoudness {
  /** LUFS; null when the segment is too short or too quiet to gate (under 400 ms of sound). */
  integrated: number | null;
  /** dBTP; null for digital silence. */
  truePeak: number | null;
  lra: number;
  gatedBlocks: number;
  gatedPower: number;
  sumSquares: number;
  samples: number;
}

/** Measures a stored or spooled WAV (one streaming pass) into the form kept in SegmentMeta. */
export async function measureSegmentLoudness(file: WavInfo & { path: string }): Promise<SegmentLoudness> {
  return toSegmentLoudness(await measureWavLoudness(file));
}

/** Loudness → its stored form, rounded to what matters (0.01 dB). */
export function toSegmentLoudness(l: Loudness): SegmentLoudness {
  const db = (v: number) => (Number.isFinite(v) ? Math.round(v * 100) / 100 : null);
  return {
    integrated: db(l.integrated),
    truePeak: db(l.truePeak),
    lra: Math.round(l.lra * 100) / 100,
    gatedBlocks: l.gatedBlocks,
    gatedPower: l.gatedPower,
    sumSquares: l.sumSquares,
    samples: l.samples,
  };
}
