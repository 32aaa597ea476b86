import type { WavInfo } from '../audio/parse-wav.js';
import type { SegmentHead, SegmentSummary } from './segment-store.js';
import type { SegmentMeta } from './stored-segment.js';

/** The S3 user-metadata entry (header x-amz-meta-narrate) that marks a segment object as ours and whole. */
export const HEAD_METADATA_KEY = 'narrate';

/** S3 allows 2 KB of user metadata per object, keys included. */
const MAX_ENCODED = 1_900;

/**
 * The head of a segment as one user-metadata value: JSON of its summary (the metadata without the
 * transcript, rejections, sentence timings and an alignment failure, which stay in the object's trailing `narr` chunk) and its WAV layout,
 * base64url-encoded because header values must be ASCII and a voice or model name need not be.
 * It is sent with the object's PUT, so it appears with the object or not at all.
 */
export function encodeHead(meta: SegmentMeta, wav: WavInfo): string {
  const { transcript: _t, rejections: _r, timings: _s, unaligned: _u, ...summary } = meta;
  const encoded = Buffer.from(JSON.stringify({ v: 1, meta: summary, wav }), 'utf8').toString('base64url');
  if (encoded.length > MAX_ENCODED) throw new Error(`segment ${meta.key}: its metadata (${encoded.length} bytes encoded) does not fit S3's 2 KB of user metadata`);
  return encoded;
}

/** Reads what encodeHead wrote; undefined for anything else (a foreign or older object is made again). */
export function decodeHead(value: string | undefined, key: string): SegmentHead | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { v?: unknown; meta?: SegmentSummary; wav?: WavInfo };
    if (parsed.v !== 1 || parsed.meta?.key !== key || typeof parsed.wav?.dataBytes !== 'number' || typeof parsed.wav.dataOffset !== 'number' || typeof parsed.wav.format?.sampleRate !== 'number') return undefined;
    return { meta: parsed.meta, wav: parsed.wav };
  } catch {
    return undefined;
  }
}
