import { Queue } from 'bullmq';
import type { Config } from '../config.js';
import { bookEnded } from '../notify/book-ended.js';
import { readBookPlan, readBookRecord, removeBookRecord, setBookState } from '../queue/book-record.js';
import { openRedis } from '../queue/connection.js';
import { NOTIFY_QUEUE, bullPrefix } from '../queue/names.js';
import { removeBookJobs } from '../queue/remove-book-jobs.js';
import type { CliIo } from './io.js';

/**
 * `narrate cancel <bookId> [--purge]`: the book makes no new model call (calls in flight finish;
 * each worker looks at the book's state before every call) and its state becomes `cancelled`.
 * --purge also removes its jobs and keys. 1 for an unknown or finished book.
 */
export async function cancelCommand(bookId: string, flags: { purge?: boolean }, config: Config, io: CliIo): Promise<number> {
  const redis = openRedis(config.redisUrl, { name: 'narrate-cancel' });
  const notify = new Queue(NOTIFY_QUEUE, { connection: redis, prefix: bullPrefix(config.prefix) });
  try {
    await notify.waitUntilReady();
    const record = await readBookRecord(redis, config.prefix, bookId);
    if (!record) {
      io.stderr.write(`no book "${bookId}" under prefix "${config.prefix}" (see \`narrate list\`)\n`);
      return 1;
    }
    if (record.state === 'done') {
      io.stderr.write(`book ${bookId} ("${record.title}") is already done (${record.output ?? 'no output recorded'}): nothing to cancel\n`);
      return 1;
    }
    const previous = await setBookState(redis, config.prefix, bookId, 'cancelled', { unlessIn: ['done', 'cancelled'], fields: { reason: 'cancelled by narrate cancel' } });
    if (previous !== undefined) {
      await bookEnded(redis, notify, config.prefix, bookId, config.webhookUrl);
      io.stdout.write(`cancelled ${bookId} ("${record.title}"), was ${previous}: no new model call; calls in flight may finish\n`);
    } else {
      const now = await readBookRecord(redis, config.prefix, bookId);
      if (now?.state === 'done') {
        io.stderr.write(`book ${bookId} finished before it could be cancelled\n`);
        return 1;
      }
      io.stdout.write(`${bookId} was already cancelled\n`);
    }
    if (flags.purge) {
      await removeBookJobs(redis, config.prefix, bookId, await readBookPlan(redis, config.prefix, bookId));
      await removeBookRecord(redis, config.prefix, bookId);
      io.stdout.write(`purged ${bookId}: its jobs and keys are gone from Redis\n`);
    }
    return 0;
  } finally {
    await notify.close().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
  }
}
