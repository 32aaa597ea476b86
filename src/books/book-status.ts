import { Job, type Queue } from 'bullmq';
import { partJobId } from '../queue/build-flow.js';
import type { FinalizeJobData, FinalizeResult } from '../contracts/job-data.js';
import { countProcessedChildren, firstFailedChild, readFailedReason, readReturnValue } from '../queue/keys.js';
import { ENCODE_QUEUE } from '../queue/names.js';

/** A book's progress as Redis knows it. */
export interface BookStatus {
  bookId: string;
  title: string;
  /** The book's language (BCP 47); absent when the book's jobs are gone from Redis and only its record is left (removed by hand, or vanished while watched). */
  language?: string;
  state: 'queued' | 'narrating' | 'finalizing' | 'done' | 'failed' | 'cancelled' | 'over-budget' | 'unknown';
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
  const state = await job.getState();
  const total = job.data.chunks.length;
  const base = { bookId: job.data.bookId, title: job.data.title, language: job.data.language, chunksTotal: total };
  if (state === 'completed') {
    const output = (await completedResult(job, synthesize))?.output;
    return { ...base, state: 'done', chunksDone: total, ...(output !== undefined ? { output } : {}) };
  }
  const done = await chunksDone(job, synthesize);
  if (state === 'failed') return { ...base, state: 'failed', chunksDone: done, reason: await failureReason(job, synthesize) };
  // Every chunk stored: what is left is encoding the last parts and joining them.
  if (state === 'waiting-children') return { ...base, state: done === 0 ? 'queued' : done === total ? 'finalizing' : 'narrating', chunksDone: done };
  if (state === 'active' || state === 'waiting' || state === 'prioritized' || state === 'delayed') {
    return { ...base, state: 'finalizing', chunksDone: done };
  }
  return { ...base, state: 'unknown', chunksDone: done };
}

/**
 * The result of a job known to be complete. A job read just before it completed and whose state is
 * read just after was read without its result: it is read again from Redis then.
 */
async function completedResult(job: Job<FinalizeJobData, FinalizeResult>, synthesize: Queue): Promise<FinalizeResult | undefined> {
  if (job.returnvalue) return job.returnvalue;
  return readReturnValue<FinalizeResult>(synthesize, `${job.queueQualifiedName}:${job.id}`);
}

/**
 * BullMQ fails a parent when a child fails; the child's own reason is the one a user needs. The
 * failed child is the one BullMQ recorded as such (never parsed from the parent's reason), followed
 * down from job to job (book → part → chunk), so a failed encode or `enqueue` child is explained as
 * well as a chunk.
 */
async function failureReason(job: Job, synthesize: Queue): Promise<string> {
  let key = `${job.queueQualifiedName}:${job.id}`;
  // The job may have been read just before it failed and its state just after: its reason is then
  // read again from its key.
  let reason = job.failedReason ?? (await readFailedReason(synthesize, key)) ?? 'unknown reason';
  for (let depth = 0; depth < 4; depth++) {
    const child = await firstFailedChild(synthesize, key);
    if (child === undefined) break;
    const own = await readFailedReason(synthesize, child);
    if (!own) break;
    reason = own;
    key = child;
  }
  return reason;
}

/** Chunks stored so far: the finished children of each part (BullMQ keeps them after the part completes). */
async function chunksDone(job: Job<FinalizeJobData, FinalizeResult>, synthesize: Queue): Promise<number> {
  const counts = await countProcessedChildren(synthesize, ENCODE_QUEUE, (job.data.parts ?? []).map((p) => partJobId(job.data.bookId, p.part)));
  return counts.reduce((n, c) => n + c, 0);
}
