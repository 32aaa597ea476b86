import type { SegmentLoudness } from '../audio/segment-loudness.js';
import type { TokenUsage } from '../providers/narrator.js';
import type { WavFile } from './wav-files.js';

/** Why a reading was turned down before one was accepted (see verify/check-narration.ts). */
export interface Rejection {
  reason: 'cut-off' | 'refused' | 'unfaithful' | 'duration' | 'bad-audio';
  detail: string;
  similarity?: number;
  /** What the rejected reading's call used (its price is the price of fidelity). */
  usage?: TokenUsage;
}

/** What is known about a stored segment, kept with its audio. */
export interface SegmentMeta {
  key: string;
  provider: string;
  model: string;
  voice: string;
  durationMs: number;
  transcript: string;
  /** Word similarity between the chunk's text and the transcript (1 for the offline voice). */
  similarity: number;
  /** Model calls it took to get an accepted reading, splits included. */
  calls: number;
  rejections: Rejection[];
  usage: TokenUsage;
  createdAt: string;
  /** EBU R128 measurement made when the segment was stored; absent in segments stored before it existed (measured when needed). */
  loudness?: SegmentLoudness;
}

/** A segment as the store holds it: its audio (a canonical WAV) and what is known about it. */
export interface StoredSegment {
  audio: WavFile;
  meta: SegmentMeta;
}

/**
 * Where segments live, keyed by a hash of what determines the audio. A segment that is present is
 * never bought again; audio never goes to Redis.
 */
export interface SegmentStore {
  /** The stored segment, or undefined when it is absent or incomplete. */
  get(key: string): Promise<StoredSegment | undefined>;
  /**
   * Moves a canonical WAV file (44-byte header with true sizes, on the store's filesystem) in
   * under `key` together with its metadata: readers see all of it or none.
   */
  put(key: string, wavPath: string, meta: SegmentMeta): Promise<void>;
}
