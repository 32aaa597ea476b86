import { Job, type Queue } from 'bullmq';
import type { FinalizeJobData, FinalizeResult } from './job-data.js';

/** A book's progress as Redis knows it. */
export interface BookStatus {
  bookId: string;
  title: string;
  state: 'queued' | 'narrating' | 'finalizing' | 'done' | 'failed' | 'unknown';
  chunksDone: number;
  chunksTotal: number;
  output?: string;
  /** Why the book failed: the failing chunk's own reason when there is one. */
  reason?: string;
}

/**
 * Reads one book's state from its `finalize` job and its children. Undefined when no such book.
 * `synthesize` is needed to turn "child failed" into that child's actual reason.
 */
export async function readBookStatus(finalize: Queue, synthesize: Queue, bookId: string): Promise<BookStatus | undefined> {
  const job = await Job.fromId<FinalizeJobData, FinalizeResult>(finalize, bookId);
  if (!job) return undefined;
  return statusOfJob(job, synthesize);
}

/** The status of a `finalize` job already fetched. */
export async function statusOfJob(job: Job<FinalizeJobData, FinalizeResult>, synthesize: Queue): Promise<BookStatus> {
  const [state, counts] = await Promise.all([job.getState(), job.getDependenciesCount({ processed: true, unprocessed: true })]);
  const total = job.data.chunks.length;
  const base = { bookId: job.data.bookId, title: job.data.title, chunksTotal: total };
  if (state === 'completed') return { ...base, state: 'done', chunksDone: total, output: job.returnvalue.output };
  const done = counts.processed ?? 0;
  if (state === 'failed') return { ...base, state: 'failed', chunksDone: done, reason: await failureReason(job, synthesize) };
  if (state === 'waiting-children') return { ...base, state: done === 0 ? 'queued' : 'narrating', chunksDone: done };
  if (state === 'active' || state === 'waiting' || state === 'prioritized' || state === 'delayed') {
    return { ...base, state: 'finalizing', chunksDone: done };
  }
  return { ...base, state: 'unknown', chunksDone: done };
}

/**
 * BullMQ fails a parent with "child <key> failed"; the child's own reason is the one a user needs.
 * Read from the child's key itself, so a failed `enqueue` child is explained as well as a chunk.
 */
async function failureReason(job: Job, synthesize: Queue): Promise<string> {
  const reason = job.failedReason ?? 'unknown reason';
  const match = /child\s+(\S+)\s+failed/.exec(reason);
  if (!match?.[1]) return reason;
  const own = await (await synthesize.client).hget(match[1], 'failedReason');
  return own ? own : reason;
}
