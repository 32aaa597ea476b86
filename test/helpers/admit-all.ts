import { Queue, Worker } from 'bullmq';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { ADMISSION_LIMITER, enqueueProcessor } from '../../src/producer/enqueue-processor.js';
import { promoteBooks } from '../../src/producer/promote-books.js';
import { BookFlowProducer } from '../../src/queue/book-flow-producer.js';
import { openRedis } from '../../src/queue/connection.js';
import { admitKeyIn, bullPrefix, shardPrefixes } from '../../src/queue/keys.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { openSegmentStore } from '../../src/store/open-segment-store.js';
import { TextCache } from '../../src/store/text-objects.js';
import { waitUntil } from './wait-until.js';

/**
 * What a fleet's workers do before any chunk is narrated, and only that: every submitted book of
 * every shard moved into BullMQ (promoteBooks) and every chunk admitted (the enqueue processor, no
 * window). For a test that looks at queued jobs with no worker running.
 */
export async function admitAll(config: Config): Promise<void> {
  const connection = openRedis(config.redisUrl, { worker: true });
  const store = openSegmentStore(config);
  const texts = new TextCache(store);
  const logger = createLogger('silent');
  const flows = new BookFlowProducer({ connection, prefix: bullPrefix(config.prefix) });
  const opened: { close(): Promise<unknown> }[] = [flows];
  try {
    for (const prefix of shardPrefixes(config.prefix, config.shards)) {
      const q = (name: string) => {
        const queue = new Queue(name, { connection, prefix });
        opened.push(queue);
        return queue;
      };
      const finalize = q(FINALIZE_QUEUE);
      const enqueue = q(ENQUEUE_QUEUE);
      const deps = { redis: connection, prefix: config.prefix, shardPrefix: prefix, producer: flows, finalize, enqueue, texts, logger, ahead: Number.MAX_SAFE_INTEGER };
      while ((await connection.llen(admitKeyIn(prefix))) > 0) await promoteBooks(deps);
      const processor = enqueueProcessor({ flows, finalize, encode: q(ENCODE_QUEUE), synthesize: q(SYNTHESIZE_QUEUE), enqueue, logger, texts, retry: { attempts: config.maxAttempts, backoffMs: config.backoffMs }, window: Number.MAX_SAFE_INTEGER });
      const workerConnection = openRedis(config.redisUrl, { worker: true });
      const worker = new Worker(ENQUEUE_QUEUE, processor, { connection: workerConnection, prefix, limiter: ADMISSION_LIMITER });
      // Closed first: the worker, then its connection (a Worker does not close a connection it was given).
      opened.unshift(worker, { close: () => workerConnection.quit() });
      await waitUntil('every book of the shard admitted', async () => (await enqueue.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized')) === 0, { timeoutMs: 30_000 });
    }
  } finally {
    for (const o of opened) await o.close().catch(() => undefined);
    await store.close();
    await connection.quit().catch(() => connection.disconnect());
  }
}
