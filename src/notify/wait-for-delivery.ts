import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { RedisConnection as Redis } from '../queue/connection.js';
import { FINISHED_STATES, readBookRecord } from '../queue/book-record.js';
import { notifyJobId } from './book-ended.js';
import { redactUrl } from './notify-url.js';

/** How a book's webhook ended: delivered, failed for good, none to send, no delivery queued in time, or still retrying when the wait was stopped. */
export interface Delivery {
  bookId: string;
  outcome: 'delivered' | 'failed' | 'none' | 'not-queued' | 'pending';
  /** The webhook without its query. */
  webhook?: string;
  /** Why it failed (the last attempt's reason). */
  reason?: string;
}

/**
 * Waits until the webhook announcing a book's end has been delivered or has failed for good (every
 * attempt spent, about 4 minutes with the default backoff), by the notify job's state in Redis, so
 * the post may come from any worker of the fleet. A book with no webhook answers `none` at once;
 * one whose end is not recorded, or whose job is not queued, within `queuedWithinMs` answers
 * `not-queued`. Stops early when `signal` aborts (`pending`: the job stays queued for any worker).
 */
export async function waitForDelivery(
  redis: Redis,
  notify: Queue,
  prefix: string,
  bookId: string,
  fallbackUrl: string | undefined,
  options: { signal?: AbortSignal; intervalMs?: number; queuedWithinMs?: number } = {},
): Promise<Delivery> {
  const since = Date.now();
  for (;;) {
    const record = await readBookRecord(redis, prefix, bookId);
    const url = record?.notify ?? fallbackUrl;
    if (!record || url === undefined) return { bookId, outcome: 'none' };
    const webhook = redactUrl(url);
    const job = FINISHED_STATES.includes(record.state) ? await notify.getJob(notifyJobId(record)) : undefined;
    if (job) {
      const state = await job.getState();
      if (state === 'completed') return { bookId, outcome: 'delivered', webhook };
      if (state === 'failed') return { bookId, outcome: 'failed', webhook, reason: job.failedReason ?? 'unknown reason' };
    } else if (Date.now() - since > (options.queuedWithinMs ?? 30_000)) {
      return { bookId, outcome: 'not-queued', webhook };
    }
    if (options.signal?.aborted) return { bookId, outcome: job ? 'pending' : 'not-queued', webhook };
    await sleep(options.intervalMs ?? 250, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
  }
}
