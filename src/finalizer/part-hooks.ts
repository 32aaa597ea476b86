import type { BookSettings } from '../contracts/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';
import { PRESETS, type LoudnessPreset } from './loudness-presets.js';
import { limiterFilter, masterGainDb, pcmGainDb } from './master-gain.js';
import { segmentLoudnessOf } from './segment-loudness-of.js';
import type { OpenedSegment } from './segment-pcm.js';

/** The book's loudness preset; a book queued before presets existed is not mastered. */
export function presetOf(book: Pick<BookSettings, 'finish'>): LoudnessPreset {
  return PRESETS[book.finish?.loudness ?? 'off'];
}

/**
 * The gain (dB) applied to a segment's 16-bit PCM as its part is encoded: one constant for the
 * whole segment, from what was measured when it was stored (measured now for a segment stored
 * before that), minus the headroom the limiter filter adds back (see master-gain.ts).
 */
export async function segmentGainDb(store: SegmentStore, segment: OpenedSegment, book: Pick<BookSettings, 'finish'>, signal?: AbortSignal): Promise<number> {
  const preset = presetOf(book);
  if (preset.measure === undefined) return 0;
  return pcmGainDb(await segmentLoudnessOf(store, segment, signal), preset);
}

/** The mastering gain of a segment as the manifest reports it (the headroom left out). */
export async function reportedGainDb(store: SegmentStore, segment: OpenedSegment, book: Pick<BookSettings, 'finish'>, signal?: AbortSignal): Promise<number> {
  const preset = presetOf(book);
  if (preset.measure === undefined) return 0;
  return masterGainDb(await segmentLoudnessOf(store, segment, signal), preset);
}

/**
 * The extra ffmpeg audio filter of every part: the true-peak limiter of the book's preset, or
 * undefined for none. It runs on each part alone; parts are cut in pauses, where a limiter has
 * nothing to hold.
 */
export function partAudioFilter(book: Pick<BookSettings, 'finish'>): string | undefined {
  return limiterFilter(presetOf(book));
}

/** Scales 16-bit PCM by `db` in place, clipping at full scale. 0 dB returns the buffer untouched. */
export function applyGain(pcm: Buffer, db: number): Buffer {
  if (db === 0) return pcm;
  const factor = 10 ** (db / 20);
  // A typed view is several times faster than readInt16LE/writeInt16LE per sample; it needs an
  // even offset (a little-endian host, which every Node target is), else a copy works in its place.
  const aligned = pcm.byteOffset % 2 === 0 ? pcm : Buffer.from(pcm);
  const samples = new Int16Array(aligned.buffer, aligned.byteOffset, aligned.length >> 1);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * factor);
    samples[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return aligned;
}
