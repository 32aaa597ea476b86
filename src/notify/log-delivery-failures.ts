import type { Job, Worker } from 'bullmq';
import type { Logger } from '../logger.js';
import type { NotifyJobData } from './book-notification.js';
import { WebhookError } from './webhook-error.js';

/**
 * Logs every failed attempt of a notify worker's deliveries: the book, the webhook's host, the
 * status or cause, and when the next attempt is due (or that there is none left). BullMQ has set
 * the job's retry delay by the time it emits `failed`, so the time logged is the one it keeps.
 */
export function logDeliveryFailures(worker: Worker, logger: Logger): void {
  worker.on('failed', (job: Job<NotifyJobData> | undefined, error: Error) => {
    if (!job) return;
    const bookId = job.data.notification.bookId;
    const webhook = hostOf(job.data.url);
    const attempts = job.opts.attempts ?? 1;
    const status = error instanceof WebhookError ? error.status : undefined;
    const fields = { bookId, webhook, ...(status === undefined ? {} : { status }), cause: error.message, attempt: job.attemptsMade, attempts };
    const last = job.finishedOn !== undefined || error.name === 'UnrecoverableError' || job.attemptsMade >= attempts;
    if (last) {
      logger.error({ ...fields, nextAttemptAt: null }, `webhook of book ${bookId} to ${webhook} not delivered: ${error.message}; no attempt left`);
      return;
    }
    const nextAttemptAt = new Date(Date.now() + (job.delay ?? 0)).toISOString();
    logger.warn({ ...fields, nextAttemptAt }, `webhook of book ${bookId} to ${webhook} failed (attempt ${job.attemptsMade} of ${attempts}): ${error.message}; next attempt at ${nextAttemptAt}`);
  });
}

function hostOf(value: string): string {
  try {
    return new URL(value).host;
  } catch {
    return '(invalid URL)';
  }
}
