import type { FlowJob, JobsOptions, ParentOptions } from 'bullmq';
import type { BookPlan } from '../producer/plan-book.js';
import type { ChunkRetry, EnqueueJobData, SynthesizeJobData } from './job-data.js';
import { ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from './names.js';

/** Finished jobs are kept a week (the dashboard and `narrate status` read them), at most 50,000. */
const KEEP = { age: 7 * 24 * 3600, count: 50_000 };

/**
 * Chunks a book's flow carries itself. A longer book's other chunks ride in its `enqueue` job, and
 * a worker adds them (ENQUEUE_BATCH at a time) while the first ones are narrated.
 *
 * Why: BullMQ adds a flow in one MULTI, and no worker can take a job until it has run. For 2,000
 * chunks the first chunk was queued 79-108 ms after the insert began, against 7-9 ms this way
 * (`npx tsx bench/flow-insert-cost.ts`), and a fresh submit process is slower still: the fleet
 * bench's "first job taken after enqueue" went from 138-177 to 15-17 ms. A 10,000-chunk book in
 * one MULTI would stall every queue of the deployment for the whole insert. A first flow of 100
 * goes in at once and fills a fleet of up to 100 calls while the rest follows.
 */
export const FLOW_CHUNKS = 100;

/** Chunks an `enqueue` job adds per round trip to Redis. */
export const ENQUEUE_BATCH = 250;

/** The id of a chunk's `synthesize` job: stable, so a resubmitted or re-added chunk is the same job. */
export function chunkJobId(bookId: string, index: number): string {
  return `${bookId}-c${index}`;
}

/** The id of a long book's `enqueue` job. */
export function enqueueJobId(bookId: string): string {
  return `${bookId}-enqueue`;
}

/** The options of a chunk's `synthesize` job, under its book's `finalize` job. */
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

/** Where a book's chunks point as their parent: its `finalize` job (the book id). */
export function bookParent(bookId: string, prefix: string): ParentOptions {
  return { id: bookId, queue: `${prefix}:${FINALIZE_QUEUE}` };
}

/**
 * A book as one BullMQ flow: the `finalize` parent runs only when every child is done. A child that
 * fails for good fails the parent (failParentOnFailure), so a book never finalizes with a hole in it.
 *
 * The children are the first FLOW_CHUNKS `synthesize` jobs and, for a longer book, one `enqueue`
 * job holding the rest. The `enqueue` job is a child too, so the book cannot finalize before every
 * chunk is in; it lets go of the parent only once it has added them all (see enqueueProcessor).
 * Everything goes to Redis in one MULTI: a book is queued whole or not at all.
 */
export function buildFlow(plan: BookPlan, prefix: string, retry: ChunkRetry): FlowJob {
  const bookId = plan.finalize.bookId;
  const first = plan.synthesize.slice(0, FLOW_CHUNKS);
  const rest = plan.synthesize.slice(FLOW_CHUNKS);
  const enqueue: FlowJob[] =
    rest.length === 0
      ? []
      : [
          {
            name: 'enqueue',
            queueName: ENQUEUE_QUEUE,
            prefix,
            data: { bookId, chunks: rest, retry } satisfies EnqueueJobData,
            opts: {
              jobId: enqueueJobId(bookId),
              attempts: 5,
              backoff: { type: 'exponential', delay: 1_000 },
              failParentOnFailure: true,
              // It carries the rest of the book's text, which its chunks now hold: not kept twice.
              removeOnComplete: true,
              removeOnFail: KEEP,
            },
          },
        ];
  return {
    name: 'finalize',
    queueName: FINALIZE_QUEUE,
    prefix,
    data: plan.finalize,
    opts: { jobId: bookId, attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: KEEP, removeOnFail: KEEP },
    children: [...enqueue, ...first.map((data) => chunkJob(data, prefix, retry))],
  };
}

function chunkJob(data: SynthesizeJobData, prefix: string, retry: ChunkRetry): FlowJob {
  return { name: 'synthesize', queueName: SYNTHESIZE_QUEUE, prefix, data, opts: chunkJobOptions(data.bookId, data.index, retry) };
}
