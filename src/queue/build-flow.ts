import type { FlowJob, JobsOptions, ParentOptions } from 'bullmq';
import type { ChunkRetry, EnqueueJobData, PartJobData, StoredPlan, SynthesizeJobRef } from '../contracts/job-data.js';
import { queueQualifiedName } from './keys.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from './names.js';

/** Finished jobs are kept a week (the dashboard and `narrate status` read them), at most 50,000. */
const KEEP = { age: 7 * 24 * 3600, count: 50_000 };

/**
 * Chunks a book's flow carries itself (in whole parts). A longer book's other parts ride in its
 * `enqueue` job, and a worker adds them (about ENQUEUE_BATCH chunks at a time) while the first ones
 * are narrated.
 *
 * Why: BullMQ adds a flow in one MULTI, and no worker can take a job until it has run. For 2,000
 * chunks the first chunk was queued 79-108 ms after the insert began, against 7-9 ms this way
 * (`npx tsx bench/flow-insert-cost.ts`), and a fresh submit process is slower still: the fleet
 * bench's "first job taken after enqueue" went from 138-177 to 15-17 ms. A 10,000-chunk book in
 * one MULTI would stall every queue of the deployment for the whole insert. A first flow of 100
 * goes in at once and fills a fleet of up to 100 calls while the rest follows.
 */
export const FLOW_CHUNKS = 100;

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

/** The `encode` job data of every part of a book, each with its chunks' `synthesize` refs. Pure. */
export function partsOf(stored: StoredPlan): QueuedPart[] {
  const { parts, chunks, chapters, sources: _sources, cast: _cast, castCost: _castCost, ...book } = stored.finalize;
  return parts.map((p, i) => {
    const sameChapter = parts.filter((q) => q.chapter === p.chapter);
    const text = stored.parts[i]!;
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
 * A book as one BullMQ flow of three levels: the `finalize` job (the book) over one `encode` job per
 * part (a run of a chapter's chunks, see plan-parts.ts) over one `synthesize` job per chunk. A part
 * is encoded as soon as its own chunks are stored, by whichever worker is free, so after the last
 * chunk only the last part and a stream copy remain. A child that fails for good fails its parent
 * and so the book (failParentOnFailure), so a book never finalizes with a hole in it.
 *
 * The flow carries whole parts up to FLOW_CHUNKS chunks (at least one part); a longer book's other
 * parts are added by one `enqueue` job, which reads them from the plan in the store. The `enqueue` job is a child of the book
 * too, so the book cannot finalize before every part is in; it lets go of the book only once it has
 * added them all (see enqueueProcessor). A part always goes to Redis together with its chunks, so
 * it never runs before all of them exist. Everything goes in one MULTI: queued whole or not at all.
 */
export function buildFlow(book: StoredBook, bullMqPrefix: string, retry: ChunkRetry): FlowJob {
  const bookId = book.stored.finalize.bookId;
  const parts = partsOf(book.stored);
  let carried = 0;
  let chunks = 0;
  while (carried < parts.length && (carried === 0 || chunks + parts[carried]!.chunks.length <= FLOW_CHUNKS)) {
    chunks += parts[carried]!.chunks.length;
    carried++;
  }
  const rest = parts.slice(carried);
  const enqueue: FlowJob[] =
    rest.length === 0
      ? []
      : [
          {
            name: 'enqueue',
            queueName: ENQUEUE_QUEUE,
            prefix: bullMqPrefix,
            data: { bookId, plan: book.plan, from: carried, retry } satisfies EnqueueJobData,
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
        ];
  return {
    name: 'finalize',
    queueName: FINALIZE_QUEUE,
    prefix: bullMqPrefix,
    data: book.stored.finalize,
    opts: { jobId: bookId, attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: KEEP, removeOnFail: KEEP },
    children: [...enqueue, ...parts.slice(0, carried).map((p) => partFlow(p, bullMqPrefix, retry))],
  };
}

function chunkJob(data: SynthesizeJobRef, bullMqPrefix: string, retry: ChunkRetry): FlowJob {
  return { name: 'synthesize', queueName: SYNTHESIZE_QUEUE, prefix: bullMqPrefix, data, opts: chunkJobOptions(data.bookId, data.index, retry) };
}
