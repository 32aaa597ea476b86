import type { Config } from '../config.js';
import { retryBook } from '../books/retry-book.js';
import { openSegmentStore } from '../store/open-segment-store.js';
import type { CliIo } from './io.js';
import { parseMaxCost } from './parse-max-cost.js';
import { printableMessage } from './printable.js';
import { withRedis } from './with-redis.js';

/**
 * `narrate retry <bookId> [--max-cost N]`: a failed, cancelled or over-budget book continues from
 * the plan kept in the store; chunks already stored cost nothing. 1 when the book is unknown, running,
 * done, or its cap is spent.
 */
export async function retryCommand(bookId: string, flags: { maxCost?: string }, config: Config, io: CliIo): Promise<number> {
  const maxCostUsd = flags.maxCost === undefined ? undefined : parseMaxCost(flags.maxCost);
  // The book's plan and texts are in the store, beside its segments.
  const store = openSegmentStore(config);
  try {
    return await withRedis(config, 'narrate-retry', async ({ redis }) => {
      const retry = { attempts: config.maxAttempts, backoffMs: config.backoffMs };
      const outcome = await retryBook(redis, { prefix: config.prefix, retry, store }, bookId, maxCostUsd === undefined ? {} : { maxCostUsd });
      (outcome.result === 'done' ? io.stdout : io.stderr).write(`${printableMessage(outcome.message)}\n`);
      return outcome.result === 'done' ? 0 : 1;
    });
  } finally {
    await store.close();
  }
}
