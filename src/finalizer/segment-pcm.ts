import type { WavInfo } from '../audio/parse-wav.js';
import { describeFormat, type WavFormat } from '../audio/wav-format.js';
import { AudioFormatError } from '../errors.js';
import type { SegmentStore, SegmentSummary } from '../store/segment-store.js';

/** A segment about to be encoded: what its head told (metadata and where its samples are), not its audio. */
export interface OpenedSegment {
  key: string;
  meta: SegmentSummary;
  wav: WavInfo;
}

/**
 * The one place the finalizer reads segment audio: through the SegmentStore's head and readSamples,
 * so a part streams from a bucket as from a directory. Throws when the segment is missing or not
 * in the book's format.
 */
export async function openSegment(store: SegmentStore, key: string, format: WavFormat, signal?: AbortSignal): Promise<OpenedSegment> {
  const head = await store.head(key, signal);
  if (!head) throw new Error(`segment ${key} is missing from the store ${store.url}`);
  const f = head.wav.format;
  if (f.sampleRate !== format.sampleRate || f.channels !== format.channels || f.bitsPerSample !== format.bitsPerSample) {
    throw new AudioFormatError(`segment ${key} is ${describeFormat(f)}, the book is ${describeFormat(format)}`, { retryable: false });
  }
  return { key, meta: head.meta, wav: head.wav };
}

/**
 * The PCM samples of a stored segment, in pieces of whole sample frames (a bucket's stream may cut
 * anywhere, and a gain is applied per sample), streamed: never held whole, memory flat in a book's length.
 */
export async function* segmentPcm(store: SegmentStore, segment: OpenedSegment, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (segment.wav.dataBytes === 0) return;
  const block = (segment.wav.format.channels * segment.wav.format.bitsPerSample) / 8;
  let carry: Buffer | undefined;
  for await (const chunk of await store.readSamples(segment.key, segment.wav, signal)) {
    const piece = carry ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const whole = piece.length - (piece.length % block);
    carry = whole < piece.length ? Buffer.from(piece.subarray(whole)) : undefined;
    if (whole > 0) yield piece.subarray(0, whole);
  }
  if (carry) throw new AudioFormatError(`segment ${segment.key} ends inside a sample frame`, { retryable: false });
}
