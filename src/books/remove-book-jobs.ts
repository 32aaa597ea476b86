import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { ConflictError } from '../errors.js';
import type { RedisConnection as Redis } from '../queue/connection.js';
import { chunkJobId, enqueueJobId, partJobId } from '../queue/build-flow.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../queue/names.js';
import { bookShardPrefix } from '../queue/keys.js';

/** Thrown when jobs of the book are still being worked on after the wait: nothing was half removed that matters. */
export class BookJobsBusyError extends ConflictError {
  constructor(message: string) {
    super(message, { retryable: true });
  }
}

/**
 * Removes every job of a book from Redis: its finalize job with its children, then each chunk and
 * its enqueue job by id (a chunk that failed may no longer hang under its book). A job a worker
 * holds (a call in flight) cannot be removed: this waits for it, up to `waitMs`, then throws.
 */
/** `shape`: the book's chunk and part counts (readBookShape); without it only the finalize and enqueue jobs are looked for. */
export async function removeBookJobs(redis: Redis, prefix: string, bookId: string, shape: { chunks: number; parts: number } | undefined, options: { waitMs?: number } = {}): Promise<void> {
  // The book's flow is in its shard's queues.
  const opts = { connection: redis, prefix: bookShardPrefix(prefix, bookId) };
  const finalize = new Queue(FINALIZE_QUEUE, opts);
  const synthesize = new Queue(SYNTHESIZE_QUEUE, opts);
  const enqueue = new Queue(ENQUEUE_QUEUE, opts);
  const encode = new Queue(ENCODE_QUEUE, opts);
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  try {
    await Promise.all([finalize.waitUntilReady(), synthesize.waitUntilReady(), enqueue.waitUntilReady(), encode.waitUntilReady()]);
    for (;;) {
      const left: string[] = [];
      if ((await finalize.remove(bookId, { removeChildren: true })) === 0 && (await finalize.getJob(bookId))) left.push(bookId);
      if ((await enqueue.remove(enqueueJobId(bookId))) === 0 && (await enqueue.getJob(enqueueJobId(bookId)))) left.push(enqueueJobId(bookId));
      // A part that failed may no longer hang under its book either.
      for (let part = 0; part < (shape?.parts ?? 0); part++) {
        const id = partJobId(bookId, part);
        if ((await encode.remove(id, { removeChildren: true })) === 0 && (await encode.getJob(id))) left.push(id);
      }
      for (let index = 0; index < (shape?.chunks ?? 0); index++) {
        const id = chunkJobId(bookId, index);
        if ((await synthesize.remove(id)) === 0 && (await synthesize.getJob(id))) left.push(id);
      }
      if (left.length === 0) return;
      if (Date.now() > deadline) {
        throw new BookJobsBusyError(`${left.length} job(s) of book ${bookId} are still held by workers (e.g. ${left[0]}); try again once their calls have finished`);
      }
      await sleep(250);
    }
  } finally {
    await Promise.allSettled([finalize.close(), synthesize.close(), enqueue.close(), encode.close()]);
  }
}
