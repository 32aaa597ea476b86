/** A private corner of the shared Redis for one measured run, removed afterwards (never FLUSHALL). */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { openRedis } from '../src/queue/connection.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE, bullPrefix } from '../src/queue/names.js';
import { onCleanup } from './cleanup.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchQueues {
  /** NARRATE_PREFIX for the workers and submit of this run. */
  prefix: string;
  connection: Redis;
  synthesize: Queue;
  finalize: Queue;
  /** Obliterates both queues, deletes any key obliterate left under the prefix, closes the connection; returns how many it had to delete. */
  dispose(): Promise<number>;
}

/** Opens both queues under a fresh `bench-<pid>-<random>-<name>` prefix; disposed at exit if not before. */
export function openBenchQueues(name: string): BenchQueues {
  const prefix = `bench-${process.pid}-${randomBytes(3).toString('hex')}-${name}`;
  const connection = openRedis(REDIS_URL, { name: 'narrate-bench' });
  const opts = { connection, prefix: bullPrefix(prefix) };
  const synthesize = new Queue(SYNTHESIZE_QUEUE, opts);
  const finalize = new Queue(FINALIZE_QUEUE, opts);
  let leftover = 0;
  const dispose = async (): Promise<void> => {
    await Promise.allSettled([synthesize.obliterate({ force: true }), finalize.obliterate({ force: true })]);
    // The braces of the hash tag are not glob characters, so this matches only this run's keys.
    const pattern = `${bullPrefix(prefix)}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await connection.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        leftover += keys.length;
        await connection.del(...keys);
      }
    } while (cursor !== '0');
    await Promise.allSettled([synthesize.close(), finalize.close()]);
    await connection.quit().catch(() => connection.disconnect());
  };
  const disposeOnce = onCleanup(dispose);
  let result: Promise<number> | undefined;
  return {
    prefix,
    connection,
    synthesize,
    finalize,
    dispose: () => (result ??= disposeOnce().then(() => leftover)),
  };
}
