import type { Queue } from 'bullmq';
import type { RedisConnection as Redis } from '../queue/connection.js';
import { readBookRecord, type BookRecord } from '../queue/book-record.js';
import type { BookNotification, NotifyJobData } from './book-notification.js';

/** Delivery attempts of a webhook: with a 2 s first backoff doubling, the last is about 4 minutes after the first. */
export const NOTIFY_ATTEMPTS = 8;

/** The id of the notify job announcing a book's end as its record holds it now: the book, its state and when it moved there. */
export function notifyJobId(record: Pick<BookRecord, 'bookId' | 'state' | 'updatedAt'>): string {
  return `${record.bookId}-${record.state}-${Date.parse(record.updatedAt) || 0}`;
}

/**
 * A book has ended (done, failed, cancelled, over budget): queues the post to its webhook (the
 * book's own --notify, else `fallbackUrl`, i.e. NARRATE_WEBHOOK_URL). Nothing when neither is set.
 * The job id names the book and its end, so the same end is announced once.
 */
export async function bookEnded(redis: Redis, notify: Queue, prefix: string, bookId: string, fallbackUrl: string | undefined): Promise<boolean> {
  const record = await readBookRecord(redis, prefix, bookId);
  if (!record) return false;
  const url = record.notify ?? fallbackUrl;
  if (url === undefined) return false;
  const done = record.state === 'done';
  const notification: BookNotification = {
    bookId,
    title: record.title,
    state: record.state,
    output: done ? (record.output ?? null) : null,
    manifest: done ? (record.manifest ?? null) : null,
    durationMs: done ? (record.durationMs ?? null) : null,
    costUsd: Number(record.costUsd.toFixed(6)),
    reason: done ? null : (record.reason ?? null),
  };
  await notify.add('notify', { url, notification } satisfies NotifyJobData, {
    jobId: notifyJobId(record),
    attempts: NOTIFY_ATTEMPTS,
    backoff: { type: 'exponential', delay: 2_000, jitter: 0.3 },
    removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  });
  return true;
}
