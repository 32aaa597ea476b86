import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FinalizeResult } from '../../src/contracts/job-data.js';
import { openRedis } from '../../src/queue/connection.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { chunkJobId } from '../../src/queue/build-flow.js';
import { obliterateQueues } from './obliterate-queues.js';
import { waitUntil } from './wait-until.js';

/** The test's own view of a prefix's queues, for polling and clean-up. */
export interface BookQueues {
  connection: Redis;
  finalize: Queue;
  synthesize: Queue;
  /** State of a chunk's synthesize job (`completed`, `active`, `wait`...), or 'missing'. */
  chunkState(bookId: string, index: number): Promise<string>;
  /** Job counts of the synthesize queue, for diagnostics. */
  describe(): Promise<string>;
  /** Waits for the book's finalize job to complete; throws with its reason if it fails, or on time-out. */
  waitForBook(bookId: string, timeoutMs: number): Promise<FinalizeResult>;
  /** Obliterates both queues (children first, so no orphaned parent is moved back to wait) and closes everything. */
  destroy(): Promise<void>;
}

/** Opens the two queues of `prefix` (NARRATE_PREFIX, without braces) on `redisUrl`. */
export function openBookQueues(prefix: string, redisUrl = 'redis://127.0.0.1:6379'): BookQueues {
  const connection = openRedis(redisUrl, { name: 'narrate-test' });
  const options = { connection, prefix: bullPrefix(prefix) };
  const finalize = new Queue(FINALIZE_QUEUE, options);
  const synthesize = new Queue(SYNTHESIZE_QUEUE, options);
  // A Queue re-emits connection errors; without a listener EventEmitter would throw them.
  for (const q of [finalize, synthesize]) q.on('error', () => {});
  const describe = async () => JSON.stringify(await synthesize.getJobCounts('wait', 'active', 'completed', 'failed', 'delayed', 'paused', 'prioritized'));
  return {
    connection,
    finalize,
    synthesize,
    async chunkState(bookId, index) {
      const job = await Job.fromId(synthesize, chunkJobId(bookId, index));
      return job ? job.getState() : 'missing';
    },
    describe,
    async waitForBook(bookId, timeoutMs) {
      return waitUntil(
        `book ${bookId} to be finalized`,
        async () => {
          const job = await Job.fromId<unknown, FinalizeResult>(finalize, bookId);
          if (!job) return undefined;
          const state = await job.getState();
          if (state === 'failed') throw new Error(`book ${bookId} failed: ${job.failedReason}`);
          if (state !== 'completed') return undefined;
          // The job's hash was read before getState: a job that completed in between was read
          // without its return value, so read it again now that it is known to be complete.
          const done = await Job.fromId<unknown, FinalizeResult>(finalize, bookId);
          if (!done?.returnvalue) throw new Error(`book ${bookId} completed without a result`);
          return done.returnvalue;
        },
        { timeoutMs, intervalMs: 100, describe: async () => `synthesize ${await describe()}` },
      );
    },
    async destroy() {
      await obliterateQueues(connection, bullPrefix(prefix)).catch(() => undefined);
      // obliterate leaves the rate limiter's counter (it expires within a window, but clean is clean).
      await connection.del(synthesize.keys.limiter!, finalize.keys.limiter!).catch(() => undefined);
      await Promise.allSettled([finalize.close(), synthesize.close()]);
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
