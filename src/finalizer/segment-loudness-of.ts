import { measurePcmLoudness } from '../audio/measure-wav-loudness.js';
import { toSegmentLoudness, type SegmentLoudness } from '../audio/segment-loudness.js';
import type { SegmentStore } from '../store/segment-store.js';
import type { OpenedSegment } from './segment-pcm.js';

/**
 * A stored segment's loudness: what was measured when it was stored (its head carries it), or,
 * for a segment stored before segments carried it, a measurement now (one streaming pass over its
 * samples, from a directory or a bucket).
 */
export async function segmentLoudnessOf(store: SegmentStore, segment: OpenedSegment, signal?: AbortSignal): Promise<SegmentLoudness> {
  if (segment.loudness) return segment.loudness;
  if (segment.wav.dataBytes === 0) return toSegmentLoudness(await measurePcmLoudness(segment.wav, []));
  return toSegmentLoudness(await measurePcmLoudness(segment.wav, await store.readSamples(segment.key, segment.wav, signal)));
}
