import type { Config } from '../config.js';
import { cancelBook } from '../books/cancel-book.js';
import type { CliIo } from './io.js';
import { printableMessage } from './printable.js';
import { withRedis } from './with-redis.js';

/**
 * `narrate cancel <bookId> [--purge]`: the book makes no new model call (calls in flight finish)
 * and its state becomes `cancelled`; --purge also removes its jobs and keys. 1 for an unknown or
 * finished book.
 */
export async function cancelCommand(bookId: string, flags: { purge?: boolean }, config: Config, io: CliIo): Promise<number> {
  return withRedis(config, 'narrate-cancel', async ({ redis }) => {
    const outcome = await cancelBook(redis, config, bookId, flags.purge ? { purge: true } : {});
    (outcome.result === 'done' ? io.stdout : io.stderr).write(`${printableMessage(outcome.message)}\n`);
    return outcome.result === 'done' ? 0 : 1;
  });
}
