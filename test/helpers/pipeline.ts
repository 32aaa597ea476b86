import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import { watchBooks } from '../../src/cli/watch-books.js';
import { createLogger } from '../../src/logger.js';
import { submitBooks, type SubmitOptions, type Submission } from '../../src/producer/submit-books.js';
import type { BookStatus } from '../../src/books/book-status.js';
import { openRedis } from '../../src/queue/connection.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix, shardPrefixes } from '../../src/queue/keys.js';
import { joinFleetShards } from '../../src/queue/fleet-shards.js';
import { ShardQueues } from '../../src/queue/shard-queues.js';
import { startWorkers, type RunningWorkers, type WorkerOptions } from '../../src/worker/start-workers.js';
import { obliterateQueues } from './obliterate-queues.js';
import { testPrefix } from './test-prefix.js';

/** A private corner of the real Redis and the disk for one test file, torn down by `close`. */
export interface Harness {
  config: Config;
  dir: string;
  connection: Redis;
  queues: { finalize: Queue; synthesize: Queue; enqueue: Queue; encode: Queue };
  /** The queues of each shard (NARRATE_SHARDS > 1): `queues` above are shard 0's. */
  shards: ShardQueues;
  /** Submits and narrates with in-process workers, returning each book's final status. */
  narrate(inputs: string[], options?: Partial<SubmitOptions>, workerOptions?: Partial<WorkerOptions>): Promise<{ submission: Submission; statuses: BookStatus[] }>;
  /** Narrates books already queued (a retried one) with in-process workers, returning their final status. */
  watch(bookIds: string[], workerOptions?: Partial<WorkerOptions>): Promise<BookStatus[]>;
  close(): Promise<void>;
}

export async function createHarness(name: string, env: Record<string, string> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), `narrate-${name}-`));
  const config = loadConfig({
    NARRATE_PREFIX: testPrefix(name),
    // A test that names a store URL (a bucket) gets it instead of the directory.
    ...(env.NARRATE_STORE_URL === undefined ? { NARRATE_STORE_DIR: join(dir, 'segments') } : {}),
    NARRATE_BACKOFF_MS: '50',
    NARRATE_LOG_LEVEL: 'silent',
    // Alignment off unless a test turns it on: the fake model's readings are tones, which say no sentence.
    NARRATE_ALIGN: 'off',
    ...env,
  });
  const connection = openRedis(config.redisUrl);
  const prefix = bullPrefix(config.prefix);
  const queues = {
    finalize: new Queue(FINALIZE_QUEUE, { connection, prefix }),
    synthesize: new Queue(SYNTHESIZE_QUEUE, { connection, prefix }),
    enqueue: new Queue(ENQUEUE_QUEUE, { connection, prefix }),
    encode: new Queue(ENCODE_QUEUE, { connection, prefix }),
  };
  // The fleet's shard count, as every command's withRedis joins it.
  await joinFleetShards(connection, config.prefix, config.shards);
  const shards = new ShardQueues(connection, config.prefix);
  const byBook = (bookId: string) => (config.shards === 1 ? queues : { finalize: shards.of(FINALIZE_QUEUE, bookId), synthesize: shards.of(SYNTHESIZE_QUEUE, bookId) });
  const running = new Set<RunningWorkers>();
  const watch: Harness['watch'] = async (bookIds, workerOptions = {}) => {
    const workers = startWorkers(config, { logger: createLogger('silent'), ...workerOptions });
    running.add(workers);
    try {
      return await watchBooks(bookIds, byBook, { update() {}, stop() {} }, { intervalMs: 100 });
    } finally {
      await workers.close();
      running.delete(workers);
    }
  };
  return {
    config,
    dir,
    connection,
    queues,
    shards,
    async narrate(inputs, options = {}, workerOptions = {}) {
      const submission = await submitBooks(inputs, { outDir: join(dir, 'out'), ...options }, config, connection);
      const statuses = await watch(
        submission.books.map((b) => b.bookId),
        workerOptions,
      );
      return { submission, statuses };
    },
    watch,
    async close() {
      await Promise.allSettled([...running].map((w) => w.close(true)));
      await shards.close();
      // Every shard's queues and keys, and the fleet's own.
      for (const tag of new Set([prefix, ...shardPrefixes(config.prefix, config.shards)])) await obliterateQueues(connection, tag).catch(() => undefined);
      await Promise.allSettled([queues.finalize.close(), queues.synthesize.close(), queues.enqueue.close(), queues.encode.close()]);
      await connection.quit().catch(() => connection.disconnect());
      await rm(dir, { recursive: true, force: true });
    },
  };
}
