/** A private corner of the shared Redis for one measured run, removed afterwards (never FLUSHALL). */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { openRedis } from '../src/queue/connection.js';
import { ENCODE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../src/queue/names.js';
import { bullPrefix } from '../src/queue/keys.js';
import { obliterateQueues } from '../test/helpers/obliterate-queues.js';
import { onCleanup } from './cleanup.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchQueues {
  /** NARRATE_PREFIX for the workers and submit of this run. */
  prefix: string;
  connection: Redis;
  synthesize: Queue;
  finalize: Queue;
  /** The parts' encode jobs. */
  encode: Queue;
  /** Obliterates both queues, deletes any key obliterate left under the prefix, closes the connection. */
  dispose(): Promise<DisposeOutcome>;
}

export interface DisposeOutcome {
  /** Keys still under the prefix after obliterate (then deleted). */
  missed: string[];
  /** Keys under the prefix at the very end: 0 unless Redis refused the deletes. */
  remaining: number;
}

/** Opens both queues under a fresh `bench-<pid>-<random>-<name>` prefix; disposed at exit if not before. */
export function openBenchQueues(name: string): BenchQueues {
  const prefix = `bench-${process.pid}-${randomBytes(3).toString('hex')}-${name}`;
  const connection = openRedis(REDIS_URL, { name: 'narrate-bench' });
  const opts = { connection, prefix: bullPrefix(prefix) };
  const synthesize = new Queue(SYNTHESIZE_QUEUE, opts);
  const finalize = new Queue(FINALIZE_QUEUE, opts);
  const encode = new Queue(ENCODE_QUEUE, opts);
  const outcome: DisposeOutcome = { missed: [], remaining: -1 };
  // The braces of the hash tag are not glob characters, so this matches only this run's keys.
  const scanAll = async (): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await connection.scan(cursor, 'MATCH', `${bullPrefix(prefix)}:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  };
  const dispose = async (): Promise<void> => {
    await obliterateQueues(connection, bullPrefix(prefix)).catch(() => undefined);
    // BullMQ's obliterate leaves the rate limiter's key (it expires on its own); sweep what it missed.
    outcome.missed = await scanAll();
    if (outcome.missed.length > 0) await connection.del(...outcome.missed);
    outcome.remaining = (await scanAll()).length;
    await Promise.allSettled([synthesize.close(), finalize.close(), encode.close()]);
    await connection.quit().catch(() => connection.disconnect());
  };
  const disposeOnce = onCleanup(dispose);
  let result: Promise<DisposeOutcome> | undefined;
  return {
    prefix,
    connection,
    synthesize,
    finalize,
    encode,
    dispose: () => (result ??= disposeOnce().then(() => outcome)),
  };
}
