import { access } from 'node:fs/promises';
import { FlowProducer } from 'bullmq';
import type { RedisConnection as Redis } from '../queue/connection.js';
import { formatUsd } from '../money/estimate-cost.js';
import { buildFlow } from '../queue/build-flow.js';
import { readBookPlan, readBookRecord, readBookShape, setBookState, STOPPED_STATES } from '../queue/book-record.js';
import type { BookControlOutcome } from './book-control-outcome.js';
import type { ChunkRetry } from '../contracts/job-data.js';
import { bookShardPrefix } from '../queue/keys.js';
import { removeBookJobs } from './remove-book-jobs.js';
import type { SegmentStore } from '../store/segment-store.js';

/**
 * A failed, cancelled or over-budget book continues: its old jobs go and its flow is added again
 * from the plan its record points to in the store (so the source files may be gone). Chunks already in the store are
 * cache hits and cost nothing; the failed and missing ones are narrated. `maxCostUsd` replaces the
 * book's cap. Not found for no such book; a conflict when it is running or done, or its cap is already spent.
 */
export async function retryBook(
  redis: Redis,
  deployment: { prefix: string; retry: ChunkRetry; store: Pick<SegmentStore, 'getText' | 'url'> },
  bookId: string,
  options: { maxCostUsd?: number } = {},
): Promise<BookControlOutcome> {
  const { prefix } = deployment;
  const record = await readBookRecord(redis, prefix, bookId);
  if (!record) return { result: 'not-found', message: `no book "${bookId}" under prefix "${prefix}" (see \`narrate list\`)` };
  if (!STOPPED_STATES.includes(record.state)) {
    return { result: 'conflict', message: `book ${bookId} is ${record.state}: only a failed, cancelled or over-budget book can be retried` };
  }
  const cap = options.maxCostUsd ?? record.maxCostUsd;
  if (cap !== undefined && record.costUsd >= cap) {
    return { result: 'conflict', message: `book ${bookId} has spent ${formatUsd(record.costUsd)}, which a cap of ${formatUsd(cap)} would stop at once: raise it with --max-cost` };
  }
  const plan = await readBookPlan(redis, deployment.store, prefix, bookId);
  if (!('book' in plan)) {
    const missing = await firstMissing(record.sources);
    const where = plan.missing === 'text' ? `its text (${plan.key}) is no longer in store ${deployment.store.url}` : 'its plan is no longer in Redis';
    return {
      result: 'conflict',
      message: `book ${bookId}: ${where}` + (missing ? `, and ${missing} is missing: restore it and submit the book again` : `: submit ${record.sources.join(' ')} again`),
    };
  }
  await removeBookJobs(redis, prefix, bookId, await readBookShape(redis, prefix, bookId));
  const fields = { reason: '', ...(options.maxCostUsd === undefined ? {} : { maxCostUsd: String(options.maxCostUsd) }) };
  const previous = await setBookState(redis, prefix, bookId, 'queued', { unlessIn: ['queued', 'narrating', 'finalizing', 'done'], fields });
  if (previous === undefined) return { result: 'conflict', message: `book ${bookId} changed state meanwhile; nothing retried` };
  // The whole flow in the book's shard: a Cluster keeps a flow's keys in one slot.
  const shard = bookShardPrefix(prefix, bookId);
  const producer = new FlowProducer({ connection: redis, prefix: shard });
  try {
    await producer.add(buildFlow(plan.book, shard));
  } finally {
    await producer.close();
  }
  const capText = cap === undefined ? '' : `, cap ${formatUsd(cap)}`;
  return {
    result: 'done',
    message: `retrying ${bookId} ("${record.title}"), was ${previous}: ${record.chunksDone}/${record.chunksTotal} chunks already done cost nothing again; spent so far ${formatUsd(record.costUsd)}${capText}`,
  };
}

async function firstMissing(files: string[]): Promise<string | undefined> {
  for (const f of files) {
    try {
      await access(f);
    } catch {
      return f;
    }
  }
  return undefined;
}
