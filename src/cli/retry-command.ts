import { access } from 'node:fs/promises';
import { FlowProducer } from 'bullmq';
import type { Config } from '../config.js';
import { formatUsd } from '../money/estimate-cost.js';
import { buildFlow } from '../queue/build-flow.js';
import { readBookPlan, readBookRecord, setBookState, STOPPED_STATES } from '../queue/book-record.js';
import { openRedis } from '../queue/connection.js';
import { bullPrefix } from '../queue/names.js';
import { removeBookJobs } from '../queue/remove-book-jobs.js';
import type { CliIo } from './io.js';
import { parseMaxCost } from './parse-max-cost.js';

/**
 * `narrate retry <bookId> [--max-cost N]`: a failed, cancelled or over-budget book continues.
 * Its old jobs go and its flow is added again from the plan kept in Redis (so the source files may
 * be gone): chunks already in the store are cache hits and cost nothing, the failed and missing
 * ones are narrated. Run it once the cause is fixed (a new key, a raised cap).
 */
export async function retryCommand(bookId: string, flags: { maxCost?: string }, config: Config, io: CliIo): Promise<number> {
  const maxCostUsd = flags.maxCost === undefined ? undefined : parseMaxCost(flags.maxCost);
  const redis = openRedis(config.redisUrl, { name: 'narrate-retry' });
  try {
    const record = await readBookRecord(redis, config.prefix, bookId);
    if (!record) {
      io.stderr.write(`no book "${bookId}" under prefix "${config.prefix}" (see \`narrate list\`)\n`);
      return 1;
    }
    if (!STOPPED_STATES.includes(record.state)) {
      io.stderr.write(`book ${bookId} is ${record.state}: only a failed, cancelled or over-budget book can be retried\n`);
      return 1;
    }
    const cap = maxCostUsd ?? record.maxCostUsd;
    if (cap !== undefined && record.costUsd >= cap) {
      io.stderr.write(`book ${bookId} has spent ${formatUsd(record.costUsd)}, which a cap of ${formatUsd(cap)} would stop at once: raise it with --max-cost\n`);
      return 1;
    }
    const plan = await readBookPlan(redis, config.prefix, bookId);
    if (!plan) {
      const missing = await firstMissing(record.sources);
      io.stderr.write(
        `book ${bookId}: its text is no longer in Redis` +
          (missing ? `, and ${missing} is missing: restore it and submit the book again\n` : `: submit ${record.sources.join(' ')} again\n`),
      );
      return 1;
    }
    await removeBookJobs(redis, config.prefix, bookId, plan);
    const fields = { reason: '', ...(maxCostUsd === undefined ? {} : { maxCostUsd: String(maxCostUsd) }) };
    const previous = await setBookState(redis, config.prefix, bookId, 'queued', { unlessIn: ['queued', 'narrating', 'finalizing', 'done'], fields });
    if (previous === undefined) {
      io.stderr.write(`book ${bookId} changed state meanwhile; nothing retried\n`);
      return 1;
    }
    const producer = new FlowProducer({ connection: redis, prefix: bullPrefix(config.prefix) });
    try {
      await producer.add(buildFlow(plan, bullPrefix(config.prefix), { attempts: config.maxAttempts, backoffMs: config.backoffMs }));
    } finally {
      await producer.close();
    }
    const capText = cap === undefined ? '' : `, cap ${formatUsd(cap)}`;
    io.stdout.write(`retrying ${bookId} ("${record.title}"), was ${previous}: ${record.chunksDone}/${record.chunksTotal} chunks already done cost nothing again; spent so far ${formatUsd(record.costUsd)}${capText}\n`);
    return 0;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
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
