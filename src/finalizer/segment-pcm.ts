import type { WavInfo } from '../audio/parse-wav.js';
import { describeFormat, frameBytes, sameFormat, type WavFormat } from '../audio/wav-format.js';
import { WholeSamples } from '../audio/whole-samples.js';
import { AudioFormatError } from '../errors.js';
import type { SegmentLoudness } from '../audio/segment-loudness.js';
import type { SynthesizeResult } from '../contracts/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';

/** A segment about to be encoded: where its samples are and its loudness (as its head or its chunk's job told), not its audio. */
export interface OpenedSegment {
  key: string;
  wav: WavInfo;
  /** Measured when it was stored; absent for a segment stored before segments carried it. */
  loudness?: SegmentLoudness;
}

/**
 * The one place the finalizer reads segment audio: through the SegmentStore's head (unless the
 * chunk's job already told where the samples are: `known`) and readSamples, so a part streams from
 * a bucket as from a directory. Throws when the segment is missing or not in the book's format.
 */
export async function openSegment(store: SegmentStore, key: string, format: WavFormat, signal?: AbortSignal, known?: SynthesizeResult['segment']): Promise<OpenedSegment> {
  let opened: OpenedSegment;
  if (known) {
    opened = { key, wav: known.wav, ...(known.loudness ? { loudness: known.loudness } : {}) };
  } else {
    const head = await store.head(key, signal);
    if (!head) throw new Error(`segment ${key} is missing from the store ${store.url}`);
    opened = { key, wav: head.wav, ...(head.meta.loudness ? { loudness: head.meta.loudness } : {}) };
  }
  const f = opened.wav.format;
  if (!sameFormat(f, format)) {
    throw new AudioFormatError(`segment ${key} is ${describeFormat(f)}, the book is ${describeFormat(format)}`, { retryable: false });
  }
  return opened;
}

/**
 * The PCM samples of a stored segment, in pieces of whole sample frames (a bucket's stream may cut
 * anywhere, and a gain is applied per sample), streamed: never held whole, memory flat in a book's length.
 */
export async function* segmentPcm(store: SegmentStore, segment: OpenedSegment, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (segment.wav.dataBytes === 0) return;
  const samples = new WholeSamples(frameBytes(segment.wav.format));
  for await (const chunk of await store.readSamples(segment.key, segment.wav, signal)) {
    const whole = samples.take(chunk as Buffer);
    if (whole.length > 0) yield whole;
  }
  if (samples.leftover > 0) throw new AudioFormatError(`segment ${segment.key} ends inside a sample frame`, { retryable: false });
}
