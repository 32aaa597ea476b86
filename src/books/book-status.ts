import { Job, type Queue } from 'bullmq';
import { partJobId } from '../queue/build-flow.js';
import type { FinalizeJobData, FinalizeResult } from '../contracts/job-data.js';
import { bookRecordKeyIn, bullPrefixOf, countProcessedChildren, firstFailedChild, readFailedReason, readReturnValue } from '../queue/keys.js';
import { parseRecord } from '../queue/book-record.js';
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
 * Reads one book's state from its `finalize` job and its children; a book submitted and not yet in
 * BullMQ (waiting for admission, see promoteBooks) from its record. Undefined when no such book.
 * `synthesize` is needed to turn "child failed" into that child's actual reason.
 */
export async function readBookStatus(finalize: Queue, synthesize: Queue, bookId: string): Promise<BookStatus | undefined> {
  const job = await Job.fromId<FinalizeJobData, FinalizeResult>(finalize, bookId);
  if (!job) return waitingStatus(finalize, bookId);
  return statusOfJob(job, synthesize);
}

/**
 * A book with a record and no job: queued (waiting to be admitted), or stopped before it was (a
 * cancel): the latter is over for a watcher, as failed, with the record's reason. A done book whose
 * jobs were trimmed is done; one running whose jobs are gone is no book (as before admission).
 */
async function waitingStatus(finalize: Queue, bookId: string): Promise<BookStatus | undefined> {
  const client = await finalize.client;
  const key = bookRecordKeyIn(bullPrefixOf(finalize), bookId);
  const record = parseRecord(key, await client.hgetall(key), 0);
  if (!record) return undefined;
  const base = { bookId, title: record.title, chunksDone: 0, chunksTotal: record.chunksTotal };
  if (record.state === 'queued') return { ...base, state: 'queued' };
  if (record.state === 'done') return { ...base, state: 'done', chunksDone: record.chunksTotal, ...(record.output === undefined ? {} : { output: record.output }) };
  if (record.state === 'narrating' || record.state === 'finalizing') return undefined;
  return { ...base, state: 'failed', reason: record.reason ?? `the book is ${record.state}` };
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
