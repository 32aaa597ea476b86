import { measureSegmentLoudness, type SegmentLoudness } from '../audio/segment-loudness.js';
import type { StoredSegment } from '../store/segment-store.js';

/**
 * A stored segment's loudness: what was measured when it was stored, or, for a segment stored
 * before segments carried it, a measurement now (one streaming pass over its file).
 */
export async function segmentLoudnessOf(segment: StoredSegment): Promise<SegmentLoudness> {
  return segment.meta.loudness ?? (await measureSegmentLoudness(segment.audio));
}
