import type { BookSettings } from '../queue/job-data.js';
import type { SegmentSummary } from '../store/segment-store.js';

/**
 * The gain (dB) applied to a segment as its part is encoded: one constant for the whole segment.
 * A pure function of what was measured when the segment was stored and of the book's settings.
 * Default 0 dB (unchanged); mastering brings strays back to the book's level here.
 */
export function segmentGainDb(_meta: SegmentSummary, _book: BookSettings): number {
  return 0;
}

/**
 * An extra ffmpeg audio filter for every part of the book (e.g. a true-peak limiter), or undefined
 * for none. It runs on each part alone, so it must not need audio beyond a part: parts are cut in
 * pauses, where a limiter has nothing to hold.
 */
export function partAudioFilter(_book: BookSettings): string | undefined {
  return undefined;
}

/** Scales 16-bit PCM by `db` in place, clipping at full scale. 0 dB returns the buffer untouched. */
export function applyGain(pcm: Buffer, db: number): Buffer {
  if (db === 0) return pcm;
  const factor = 10 ** (db / 20);
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    const v = Math.round(pcm.readInt16LE(i) * factor);
    pcm.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, i);
  }
  return pcm;
}
