import type { BookFinish } from './book-finish.js';
import type { Chunk } from '../producer/book-text.js';
import type { Rejection } from '../store/segment-store.js';
import type { TokenUsage } from '../providers/narrator.js';

/** Output formats the finalizer writes. */
export type OutputFormat = 'm4b' | 'mp3' | 'wav';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['m4b', 'mp3', 'wav'];

/** Data of one `synthesize` job: a chunk and how to read it. Text only: audio never enters Redis. */
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
  /** Word similarity of the accepted reading. */
  similarity: number;
  rejections: Rejection[];
  usage: TokenUsage;
  /** Dollars this job's model calls cost (0 when cached); absent from results made before prices existed. */
  costUsd?: number;
  /** The part of costUsd spent on readings the verbatim check rejected. */
  rejectedCostUsd?: number;
}

/** Retry settings for a book's chunks. */
export interface ChunkRetry {
  /** Attempts per chunk for transient failures. */
  attempts: number;
  /** First backoff delay in ms; it doubles each attempt. */
  backoffMs: number;
}

/** Data of a long book's `enqueue` job: the chunks still to add to its flow, in order. */
export interface EnqueueJobData {
  bookId: string;
  chunks: SynthesizeJobData[];
  retry: ChunkRetry;
}

/** What an `enqueue` job returns. */
export interface EnqueueResult {
  /** Chunks added to the book (already there ones included: a retried job adds them again, harmlessly). */
  added: number;
}

/** Data of a book's `finalize` job: everything but the chunks' text, which lives in the children. */
export interface FinalizeJobData {
  bookId: string;
  title: string;
  author: string;
  voice: string;
  format: OutputFormat;
  /** Absolute directory the book is written to. */
  outDir: string;
  /** File name without extension; never contains a path separator. */
  slug: string;
  chapters: { title: string }[];
  chunks: Pick<Chunk, 'index' | 'chapter' | 'pauseAfter'>[];
  /** Input files the book was made from, for the manifest. */
  sources: string[];
  submittedAt: string;
  /** Loudness, tags, cover and file shape; absent in books queued before they existed (no mastering, bare tags). */
  finish?: BookFinish;
}

/** What a `finalize` job returns. */
export interface FinalizeResult {
  output: string;
  manifest: string;
  durationMs: number;
}
