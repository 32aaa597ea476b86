import { createReadStream } from 'node:fs';
import { describeFormat, type WavFormat } from '../audio/wav-format.js';
import { AudioFormatError } from '../errors.js';
import type { SegmentStore, StoredSegment } from '../store/segment-store.js';

/** Reads of 256 KiB: a segment is streamed, never held whole, so memory stays flat in a book's length. */
const READ_BYTES = 256 * 1024;

/**
 * The one place the finalizer reads segment audio: through the SegmentStore, so a store that keeps
 * segments elsewhere (a bucket) changes only this file. Throws when the segment is missing or not
 * in the book's format.
 */
export async function openSegment(store: SegmentStore, key: string, format: WavFormat): Promise<StoredSegment> {
  const stored = await store.get(key);
  if (!stored) throw new Error(`segment ${key} is missing from the store`);
  const f = stored.audio.format;
  if (f.sampleRate !== format.sampleRate || f.channels !== format.channels || f.bitsPerSample !== format.bitsPerSample) {
    throw new AudioFormatError(`segment ${key} is ${describeFormat(f)}, the book is ${describeFormat(format)}`, { retryable: false });
  }
  return stored;
}

/** The PCM samples of a stored segment, in pieces. */
export async function* segmentPcm(segment: StoredSegment): AsyncGenerator<Buffer> {
  const { path, dataOffset, dataBytes } = segment.audio;
  if (dataBytes === 0) return;
  for await (const piece of createReadStream(path, { start: dataOffset, end: dataOffset + dataBytes - 1, highWaterMark: READ_BYTES })) {
    yield piece as Buffer;
  }
}
