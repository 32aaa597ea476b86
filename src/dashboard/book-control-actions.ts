import { cancelBook } from '../books/cancel-book.js';
import type { BookControlOutcome } from '../books/book-control-outcome.js';
import { retryBook } from '../books/retry-book.js';
import type { Config } from '../config.js';
import type { RedisConnection } from '../queue/connection.js';
import { openSegmentStore } from '../store/open-segment-store.js';
import type { ActionOutcome, BookActions } from './book-actions.js';

/** The HTTP status of each result of book control. */
const STATUS: Record<BookControlOutcome['result'], ActionOutcome['status']> = { done: 200, 'not-found': 404, conflict: 409 };

/**
 * The Books page's buttons call the same book control as `narrate cancel` and `narrate retry`, on
 * the dashboard's own connection, so a book is cancelled or retried by one piece of code whichever
 * way the operator asks; the result becomes the HTTP status.
 */
export function bookControlActions(config: Config, redis: RedisConnection): BookActions {
  const asAction = (outcome: BookControlOutcome): ActionOutcome => ({ status: STATUS[outcome.result], message: outcome.message });
  return {
    cancel: async (bookId) => asAction(await cancelBook(redis, config, bookId)),
    retry: async (bookId) => {
      // The book's plan is in the store, beside its segments.
      const store = openSegmentStore(config);
      try {
        return asAction(await retryBook(redis, { prefix: config.prefix, retry: { attempts: config.maxAttempts, backoffMs: config.backoffMs }, store }, bookId));
      } finally {
        await store.close();
      }
    },
  };
}
