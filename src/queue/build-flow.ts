import type { FlowJob } from 'bullmq';
import type { BookPlan } from '../producer/plan-book.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from './names.js';

/** Retry settings for a book's chunks. */
export interface FlowRetryOptions {
  /** Attempts per chunk for transient failures. */
  attempts: number;
  /** First backoff delay in ms; it doubles each attempt. */
  backoffMs: number;
}

/** Finished jobs are kept a week (the dashboard and `narrate status` read them), at most 50,000. */
const KEEP = { age: 7 * 24 * 3600, count: 50_000 };

/** The id of a book's `finalize` job: the book id itself, so `narrate status <bookId>` finds it directly. */
export function chunkJobId(bookId: string, index: number): string {
  return `${bookId}-c${index}`;
}

/**
 * A book as one BullMQ flow: the `finalize` parent runs only when every `synthesize` child is done.
 * A child that fails for good fails the parent (failParentOnFailure), so a book never finalizes with
 * a hole in it.
 */
export function buildFlow(plan: BookPlan, prefix: string, retry: FlowRetryOptions): FlowJob {
  const bookId = plan.finalize.bookId;
  return {
    name: 'finalize',
    queueName: FINALIZE_QUEUE,
    prefix,
    data: plan.finalize,
    opts: { jobId: bookId, attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: KEEP, removeOnFail: KEEP },
    children: plan.synthesize.map((data) => ({
      name: 'synthesize',
      queueName: SYNTHESIZE_QUEUE,
      prefix,
      data,
      opts: {
        jobId: chunkJobId(bookId, data.index),
        attempts: retry.attempts,
        // Jitter spreads the retries of chunks that failed together, so they do not return as a storm.
        backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
        failParentOnFailure: true,
        removeOnComplete: KEEP,
        removeOnFail: KEEP,
      },
    })),
  };
}
