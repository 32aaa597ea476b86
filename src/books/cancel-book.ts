import { Queue } from 'bullmq';
import type { RedisConnection as Redis } from '../queue/connection.js';
import { bookEnded } from '../notify/book-ended.js';
import { readBookShape, readBookRecord, removeBookRecord, setBookState } from '../queue/book-record.js';
import { NOTIFY_QUEUE } from '../queue/names.js';
import { bullPrefix } from '../queue/keys.js';
import type { BookControlOutcome } from './book-control-outcome.js';
import { removeBookJobs } from './remove-book-jobs.js';

/**
 * Cancels a book: it makes no new model call (each worker reads the book's state before every
 * call; calls in flight finish) and its state becomes `cancelled`, announced to its webhook.
 * `purge` also removes its jobs and keys. A done book cannot be cancelled (a conflict).
 */
export async function cancelBook(
  redis: Redis,
  deployment: { prefix: string; webhookUrl: string | undefined },
  bookId: string,
  options: { purge?: boolean } = {},
): Promise<BookControlOutcome> {
  const { prefix } = deployment;
  const record = await readBookRecord(redis, prefix, bookId);
  if (!record) return { result: 'not-found', message: `no book "${bookId}" under prefix "${prefix}" (see \`narrate list\`)` };
  if (record.state === 'done') return { result: 'conflict', message: `book ${bookId} ("${record.title}") is already done (${record.output ?? 'no output recorded'}): nothing to cancel` };
  const previous = await setBookState(redis, prefix, bookId, 'cancelled', { unlessIn: ['done', 'cancelled'], fields: { reason: 'cancelled by an operator' } });
  let message: string;
  if (previous !== undefined) {
    const notify = new Queue(NOTIFY_QUEUE, { connection: redis, prefix: bullPrefix(prefix) });
    try {
      await notify.waitUntilReady();
      await bookEnded(redis, notify, prefix, bookId, deployment.webhookUrl);
    } finally {
      await notify.close();
    }
    message = `cancelled ${bookId} ("${record.title}"), was ${previous}: no new model call; calls in flight may finish`;
  } else {
    const now = await readBookRecord(redis, prefix, bookId);
    if (now?.state === 'done') return { result: 'conflict', message: `book ${bookId} finished before it could be cancelled` };
    message = `${bookId} was already cancelled`;
  }
  if (options.purge) {
    await removeBookJobs(redis, prefix, bookId, await readBookShape(redis, prefix, bookId));
    await removeBookRecord(redis, prefix, bookId);
    message += `\npurged ${bookId}: its jobs and keys are gone from Redis`;
  }
  return { result: 'done', message };
}
