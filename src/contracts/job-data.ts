import type { WavInfo } from '../audio/parse-wav.js';
import type { SegmentLoudness } from '../audio/segment-loudness.js';
import type { LoudnessSummary } from '../audio/loudness-summary.js';
import type { BookFinish } from './book-finish.js';
import type { Chunk } from './book-text.js';
import type { Rejection } from './rejection.js';
import type { TokenUsage } from './token-usage.js';
import type { SegmentTimings } from './segment-timings.js';
import type { CastMember } from './cast-member.js';

/** Output formats the finalizer writes. */
export type OutputFormat = 'm4b' | 'm4a' | 'mp3' | 'opus' | 'flac' | 'wav';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['m4b', 'm4a', 'mp3', 'opus', 'flac', 'wav'];

/**
 * Data of one `synthesize` job as Redis holds it: which chunk, and the key of the text object in
 * the store that holds its part's chunks (PartTexts). Neither text nor audio enters Redis; a worker
 * reads the part's texts once (see ChunkTexts) and finds the chunk by its index.
 */
export interface SynthesizeJobRef {
  bookId: string;
  index: number;
  /** The content key of the part's PartTexts in the store (see store/text-key.ts). */
  text: string;
}

/** A part's chunks as the store keeps them (one text object per part), each with how to read it. */
export interface PartTexts {
  chunks: Omit<SynthesizeJobData, 'bookId'>[];
}

/**
 * A book's plan as the store keeps it: what `finalize` needs, and the text key of each part's
 * chunks, in part order. A small book keeps its parts' texts in the plan itself (`texts`, and ''
 * for each part's key): one object to write and read instead of two.
 */
export interface StoredPlan {
  finalize: FinalizeJobData;
  parts: string[];
  texts?: PartTexts[];
}

/** A chunk and how to read it: what a worker narrates, once read from the store. */
export interface SynthesizeJobData {
  bookId: string;
  index: number;
  chapter: number;
  text: string;
  voice: string;
  /** Voice style appended to the narration instructions. */
  style: string;
  /** Pronunciation hints for words of this chunk (ruby readings: "山路 = やまみち"), added to the instructions. */
  hints?: string;
  /** The book's language (BCP 47). */
  language: string;
  /** Who speaks this chunk when the book is read by a cast; absent for the narrator. */
  speaker?: string;
}

/** What a `synthesize` job returns; BullMQ hands these to the parent `finalize` job. */
export interface SynthesizeResult {
  index: number;
  /** The segment's key in the store. */
  key: string;
  provider: string;
  model: string;
  durationMs: number;
  chars: number;
  /** True when the segment was already stored and the model was not called. */
  cached: boolean;
  /** Model calls made by this job for this chunk (0 when cached). */
  calls: number;
  /** Word similarity of the accepted reading (1 when no words could be compared: see checkedBy). */
  similarity: number;
  /** 'duration' when the provider returned no transcript (the speech endpoint): only the reading's length was checked. */
  checkedBy?: 'duration';
  rejections: Rejection[];
  usage: TokenUsage;
  /** The voice the segment was read with (its key holds it), as the worker recorded it; absent from results made before casts. */
  voice?: string;
  /**
   * Sample frames of the segment as this job found it in the store or stored it; absent from
   * results made before it existed.
   */
  samples?: number;
  /**
   * Where the segment's samples are in its stored object, and its loudness as measured when it was
   * stored, as this job found or stored them: a part's encode reads the samples and levels them
   * without asking the store again (a HEAD per chunk on a bucket). Keys are content addresses, so
   * what one job saw is what every reader gets. Absent from results made before they existed.
   */
  segment?: { wav: WavInfo; loudness?: SegmentLoudness };
  /** Dollars this job's model calls cost (0 when cached); absent from results made before prices existed. */
  costUsd?: number;
  /** The part of costUsd spent on readings the verbatim check rejected. */
  rejectedCostUsd?: number;
  /**
   * Where each sentence is in the segment (as aligned when it was stored, read back on a cache hit);
   * absent when alignment is off (NARRATE_ALIGN) or the segment was stored without it.
   */
  timings?: SegmentTimings;
  /** Why the segment has no timings although alignment is on: its aligner failed when it was bought ("alignment failed: …"). */
  unaligned?: string;
}

/** Retry settings for a book's chunks. */
export interface ChunkRetry {
  /** Attempts per chunk for transient failures. */
  attempts: number;
  /** First backoff delay in ms; it doubles each attempt. */
  backoffMs: number;
}

/**
 * Data of a long book's `enqueue` job: where its plan is in the store, and the first part its flow
 * did not carry. The processor adds that part and every later one from the stored plan.
 */
export interface EnqueueJobData {
  bookId: string;
  /** The content key of the book's StoredPlan. (How far it got is the job's progress: parts in.) */
  plan: string;
}

/** What an `enqueue` job returns. */
export interface EnqueueResult {
  /** Chunks added to the book, counting those a previous attempt had already added. */
  added: number;
}

/** The attribution calls of a book's cast, made once at submit: counted in the book's cost, the day's and the fleet's. */
export interface CastCost {
  model: string;
  /** Calls made (retries included); 0 when every chapter came from the attribution cache. */
  calls: number;
  /** Chapters whose attribution came from the cache, at no cost. */
  cachedChapters: number;
  usage: { promptTokens: number; completionTokens: number };
  costUsd: number;
}

/** Data of a book's `finalize` job: everything but the chunks' text, which lives in the children. */
export interface FinalizeJobData {
  bookId: string;
  title: string;
  author: string;
  voice: string;
  format: OutputFormat;
  /** Absolute directory the book is written to, or an s3://bucket/prefix/ URL. */
  outDir: string;
  /** File name without extension; never contains a path separator. */
  slug: string;
  chapters: { title: string }[];
  chunks: (Pick<Chunk, 'index' | 'chapter' | 'pauseAfter'> & { speaker?: string; voice?: string })[];
  /** The book's cast when dialogue is read by the characters' voices (narrator first), for the manifest. */
  cast?: CastMember[];
  /** What attributing the cast's quotations cost at submit (NARRATE_CAST_MODEL), for the manifest; absent without a model-attributed cast. */
  castCost?: CastCost;
  /** The book cut into parts, each encoded on its own as soon as its chunks are stored (see plan-parts.ts). */
  parts: PartSpec[];
  /** Input files the book was made from, for the manifest. */
  sources: string[];
  /** The book's language (BCP 47): shown by status, written to the manifest and tagged in the audio. */
  language: string;
  submittedAt: string;
  /** Loudness, tags, cover and file shape. */
  finish: BookFinish;
}

/** What a `finalize` job returns. */
export interface FinalizeResult {
  output: string;
  manifest: string;
  durationMs: number;
}

/** A run of consecutive chunks of one chapter, encoded as one piece: `chunks[from..to)` of the book. */
export interface PartSpec {
  part: number;
  chapter: number;
  from: number;
  to: number;
}

/** The book's settings every part carries: what it needs to encode without reading the book's job. */
export type BookSettings = Omit<FinalizeJobData, 'chapters' | 'chunks' | 'parts' | 'sources' | 'cast'>;

/** Data of one `encode` job: a part of a book, the parent of its chunks' `synthesize` jobs. */
export interface PartJobData {
  /** The book's id, as every job of a book carries it (book records and trackers read it). */
  bookId: string;
  book: BookSettings;
  part: number;
  chapter: number;
  chapterTitle: string;
  /** Chapters in the book. */
  chapters: number;
  /** The parts of this part's chapter (first and last, inclusive): the chapter file joins them. */
  chapterParts: { first: number; last: number };
  chunks: Pick<Chunk, 'index' | 'pauseAfter'>[];
  /** The pause before this part (after the previous part's last chunk); undefined for the book's first part. */
  pauseBefore: Chunk['pauseAfter'] | undefined;
  /** The book's last part: no trailing pause, any length. */
  last: boolean;
}

/** What an `encode` job returns; BullMQ hands these to the book's `finalize` job. */
export interface PartResult {
  part: number;
  /** The encoded part (an elementary stream), or undefined for a format that is not encoded (wav). */
  file: string | undefined;
  /** Samples of the part's PCM at the book's rate: head pause, segments and pauses, tail pause. */
  samples: number;
  headSamples: number;
  tailSamples: number;
  /** The part's chunks' results, each with its segment's length in samples and the mastering gain it got (dB). */
  chunks: (SynthesizeResult & { samples: number; gainDb?: number })[];
  /** The encoded part's loudness as decoded (a mergeable summary); the book's and chapters' are merged from these. */
  loudness: LoudnessSummary;
}
