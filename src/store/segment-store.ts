import type { Readable } from 'node:stream';
import type { WavInfo } from '../audio/parse-wav.js';
import type { AudioSpool } from './audio-spool.js';
import type { SegmentMeta, StoredSegment } from './stored-segment.js';

/**
 * What a HEAD tells about a stored segment without its audio: the metadata (the transcript and
 * rejections may be left out: they can be long, and S3 caps user metadata at 2 KB) and where the
 * samples are in the object.
 */
export interface SegmentHead {
  meta: SegmentSummary;
  /** The samples' layout in the stored object: format, data offset (44), bytes, duration. */
  wav: WavInfo;
}

/** SegmentMeta without its long texts; a store may return the whole SegmentMeta. */
export type SegmentSummary = Omit<SegmentMeta, 'transcript' | 'rejections' | 'timings'> & Partial<Pick<SegmentMeta, 'transcript' | 'rejections' | 'timings'>>;

/** One stored object, as prune sees it. */
export interface StoredObject {
  /** A segment's key, or `texts/<hash>` for a text object (see text-key.ts). */
  key: string;
  /** When it was stored (file mtime or S3 LastModified). */
  modifiedAt: Date;
  bytes: number;
}

/**
 * Where segments live, keyed by a hash of what determines the audio: a directory (FsSegmentStore)
 * or a bucket (S3SegmentStore). A segment that is present is never bought again; audio never goes
 * to Redis. A segment is present only once whole: a half-written one is never seen.
 */
export interface SegmentStore {
  /** Where it is, for messages: file:///dir or s3://bucket/prefix/ (never a credential). */
  readonly url: string;
  /** The cache question, without downloading the audio: the segment's head, or undefined when absent or incomplete. */
  head(key: string, signal?: AbortSignal): Promise<SegmentHead | undefined>;
  /**
   * The segment's samples (the WAV's data chunk only, as `head` located them), streamed: the
   * finalizer and encoders read only what they encode, memory flat in the book's length.
   * Throws when the segment is gone.
   */
  readSamples(key: string, wav: WavInfo, signal?: AbortSignal): Promise<Readable>;
  /**
   * The segment's whole metadata (the trailing `narr` chunk after its samples, which `wav` located),
   * or undefined when the segment is gone or has none: what a HEAD leaves out (sentence timings).
   */
  readMeta(key: string, wav: WavInfo, signal?: AbortSignal): Promise<SegmentMeta | undefined>;
  /**
   * Stores a canonical WAV from the spool (44-byte header with true sizes) under `key` with its
   * metadata: readers see all of it or none. The spool file is consumed (moved, or uploaded and
   * deleted) once stored; when put throws it is left in place, for the caller to keep for the
   * next attempt (AudioSpool.keep) or discard. Another worker storing the same key at the same
   * moment is success.
   */
  put(key: string, wavPath: string, meta: SegmentMeta): Promise<void>;
  /** Where audio in flight waits on this machine (for a directory store: inside it, so put is a rename). */
  spool(): AudioSpool;
  /** Checks at start-up that the store can be reached and written; throws StoreError naming the store and the cause. */
  probe(): Promise<void>;
  /**
   * Stores a text object (a book's plan or a part's chunk texts, JSON) under `key`, the hash of its
   * bytes (text-key.ts): readers see all of it or none. One already there is left as it is, its
   * time refreshed, so a prune's age cut-off spares a text a new book has just asked for.
   */
  putText(key: string, body: Buffer): Promise<void>;
  /** A stored text object, or undefined when it is not in the store. */
  getText(key: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  /** Every stored segment and text object (for prune): a text's key is `texts/<hash>`. */
  list(): AsyncIterable<StoredObject>;
  /** Deletes a stored segment, or a text object named `texts/<hash>`; one already gone is fine. */
  remove(key: string): Promise<void>;
  /** Releases connections; safe to call twice. */
  close(): Promise<void>;
}
