import type { TokenUsage } from '../providers/narrator.js';

/** Why a reading was turned down before one was accepted (see worker/check-narration.ts). */
export interface Rejection {
  reason: 'cut-off' | 'refused' | 'unfaithful' | 'duration' | 'bad-audio';
  detail: string;
  similarity?: number;
}

/** What is known about a stored segment, kept beside its audio. */
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
}

/**
 * Where segments live, keyed by a hash of what determines the audio. A segment that is present is
 * never bought again; audio never goes to Redis.
 */
export interface SegmentStore {
  /** The stored segment's metadata, or undefined when the segment is absent or incomplete. */
  get(key: string): Promise<SegmentMeta | undefined>;
  /**
   * Moves a WAV file (correct 44-byte header, on the store's filesystem) in under `key`, then its
   * metadata: readers see all of it or none.
   */
  put(key: string, wavPath: string, meta: SegmentMeta): Promise<void>;
  /** The path of the segment's WAV file, for ffmpeg. */
  audioPath(key: string): string;
}
