import type { FlowJob, JobsOptions, ParentOptions } from 'bullmq';
import type { ChunkRetry, EnqueueJobData, PartJobData, StoredPlan, SynthesizeJobRef } from '../contracts/job-data.js';
import { queueQualifiedName } from './keys.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from './names.js';

/** Finished jobs are kept a week (the dashboard and `narrate status` read them), at most 50,000. */
const KEEP = { age: 7 * 24 * 3600, count: 50_000 };

/** Chunks an `enqueue` job adds per round trip to Redis (in whole parts). */
export const ENQUEUE_BATCH = 250;

/** The id of a chunk's `synthesize` job: stable, so a resubmitted or re-added chunk is the same job. */
export function chunkJobId(bookId: string, index: number): string {
  return `${bookId}-c${index}`;
}

/** The id of a long book's `enqueue` job. */
export function enqueueJobId(bookId: string): string {
  return `${bookId}-enqueue`;
}

/** The id of a part's `encode` job. */
export function partJobId(bookId: string, part: number): string {
  return `${bookId}-p${part}`;
}

/** The options of a chunk's `synthesize` job, under its part's `encode` job. */
export function chunkJobOptions(bookId: string, index: number, retry: ChunkRetry): JobsOptions {
  return {
    jobId: chunkJobId(bookId, index),
    attempts: retry.attempts,
    // Jitter spreads the retries of chunks that failed together, so they do not return as a storm.
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
    failParentOnFailure: true,
    removeOnComplete: KEEP,
    removeOnFail: KEEP,
  };
}

/** The options of a part's `encode` job, under its book's `finalize` job. */
export function partJobOptions(bookId: string, part: number): JobsOptions {
  return {
    jobId: partJobId(bookId, part),
    // An encode fails for good on bad audio (not retried: UnrecoverableError) and is retried on a
    // dead worker or a transient fault; its failure fails the book, with its reason.
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000 },
    failParentOnFailure: true,
    removeOnComplete: KEEP,
    removeOnFail: KEEP,
  };
}

/** Where a book's parts point as their parent: its `finalize` job (the book id). */
export function bookParent(bookId: string, bullMqPrefix: string): ParentOptions {
  return { id: bookId, queue: queueQualifiedName(bullMqPrefix, FINALIZE_QUEUE) };
}

/** A book as the flow builders need it: its plan's key in the store and the plan (whose parts point at their texts). */
export interface StoredBook {
  /** The content key of the StoredPlan in the store. */
  plan: string;
  stored: StoredPlan;
}

/** One part ready to queue: its `encode` job data and its chunks' `synthesize` job data (keys, no text). */
export interface QueuedPart {
  data: PartJobData;
  chunks: SynthesizeJobRef[];
}

/**
 * The `encode` job data of every part of a book, each with its chunks' `synthesize` refs. Pure.
 * `planKey`: the plan's own key, which the chunks of a part kept in the plan point at.
 */
export function partsOf(stored: StoredPlan, planKey = ''): QueuedPart[] {
  const { parts, chunks, chapters, sources: _sources, cast: _cast, castCost: _castCost, ...book } = stored.finalize;
  return parts.map((p, i) => {
    const sameChapter = parts.filter((q) => q.chapter === p.chapter);
    const text = stored.parts[i] || planKey;
    if (text === '') throw new Error(`book ${book.bookId}: part ${p.part}'s texts are in its plan, whose key was not given`);
    return {
      data: {
        bookId: book.bookId,
        book,
        part: p.part,
        chapter: p.chapter,
        chapterTitle: chapters[p.chapter]?.title ?? '',
        chapters: chapters.length,
        chapterParts: { first: sameChapter[0]!.part, last: sameChapter[sameChapter.length - 1]!.part },
        chunks: chunks.slice(p.from, p.to).map(({ index, pauseAfter }) => ({ index, pauseAfter })),
        pauseBefore: p.from === 0 ? undefined : chunks[p.from - 1]!.pauseAfter,
        last: p.to === chunks.length,
      },
      chunks: chunks.slice(p.from, p.to).map(({ index }) => ({ bookId: book.bookId, index, text })),
    };
  });
}

/** One part as a flow: its `encode` job over its chunks' `synthesize` jobs, added to Redis together. */
export function partFlow(part: QueuedPart, bullMqPrefix: string, retry: ChunkRetry): FlowJob {
  return {
    name: 'encode',
    queueName: ENCODE_QUEUE,
    prefix: bullMqPrefix,
    data: part.data,
    opts: partJobOptions(part.data.book.bookId, part.data.part),
    children: part.chunks.map((data) => chunkJob(data, bullMqPrefix, retry)),
  };
}

/**
 * A book as BullMQ will run it: the `finalize` job (the book) over one `encode` job per part (a run
 * of a chapter's chunks, see plan-parts.ts) over one `synthesize` job per chunk. A part is encoded
 * as soon as its own chunks are stored, by whichever worker is free, so after the last chunk only
 * the last part and a stream copy remain. A child that fails for good fails its parent and so the
 * book (failParentOnFailure), so a book never finalizes with a hole in it.
 *
 * What goes to Redis at submit is only the `finalize` job and one small `enqueue` job under it (the
 * book's id and its plan's key): the admission stage (enqueueProcessor) adds the parts and chunks
 * from the plan in the store while the synthesize queue has room, so a queued library holds no
 * BullMQ job per chunk. The `enqueue` job is a child of the book, so the book cannot finalize
 * before every part is in; it lets go of the book only once it has added them all. A part always
 * goes to Redis together with its chunks, so it never runs before all of them exist.
 */
export function buildFlow(book: StoredBook, bullMqPrefix: string): FlowJob {
  const bookId = book.stored.finalize.bookId;
  return {
    name: 'finalize',
    queueName: FINALIZE_QUEUE,
    prefix: bullMqPrefix,
    data: book.stored.finalize,
    opts: { jobId: bookId, attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: KEEP, removeOnFail: KEEP },
    children: [
      {
        name: 'enqueue',
        queueName: ENQUEUE_QUEUE,
        prefix: bullMqPrefix,
        data: { bookId, plan: book.plan } satisfies EnqueueJobData,
        opts: {
          jobId: enqueueJobId(bookId),
          attempts: 5,
          backoff: { type: 'exponential', delay: 1_000 },
          failParentOnFailure: true,
          // Nothing anyone reads once it has added the parts.
          removeOnComplete: true,
          removeOnFail: KEEP,
        },
      },
    ],
  };
}

function chunkJob(data: SynthesizeJobRef, bullMqPrefix: string, retry: ChunkRetry): FlowJob {
  return { name: 'synthesize', queueName: SYNTHESIZE_QUEUE, prefix: bullMqPrefix, data, opts: chunkJobOptions(data.bookId, data.index, retry) };
}
