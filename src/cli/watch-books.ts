import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import { coerceError } from '../errors.js';
import { readBookStatus, type BookStatus } from '../books/book-status.js';
import type { ProgressView } from './progress.js';

interface BookQueues {
  finalize: Queue;
  synthesize: Queue;
}

/** Polls every book until each is done or failed, feeding the progress view. */
export async function watchBooks(
  bookIds: string[],
  /** The queues holding the books, or the queues of each book's shard. */
  queues: BookQueues | ((bookId: string) => BookQueues),
  view: ProgressView,
  options: { intervalMs?: number; signal?: AbortSignal; onError?: (error: Error) => void } = {},
): Promise<BookStatus[]> {
  const final = new Map<string, BookStatus>();
  while (final.size < bookIds.length && !options.signal?.aborted) {
    for (const id of bookIds) {
      if (final.has(id)) continue;
      let found: BookStatus | undefined;
      try {
        const q = typeof queues === 'function' ? queues(id) : queues;
        found = await readBookStatus(q.finalize, q.synthesize, id);
      } catch (error) {
        // Redis restarting or a dropped connection: the books go on in Redis; look again next round.
        options.onError?.(coerceError(error));
        break;
      }
      const status = found ?? {
        bookId: id,
        title: id,
        state: 'failed' as const,
        chunksDone: 0,
        chunksTotal: 0,
        reason: 'the book vanished from Redis (removed or obliterated)',
      };
      view.update(status);
      if (status.state === 'done' || status.state === 'failed') final.set(id, status);
    }
    if (final.size < bookIds.length) {
      await sleep(options.intervalMs ?? 250, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    }
  }
  return bookIds.map((id) => final.get(id)).filter((s): s is BookStatus => s !== undefined);
}
