import type { Job, Queue, Worker } from 'bullmq';
import type { RedisConnection as Redis } from '../queue/connection.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { bookEnded } from '../notify/book-ended.js';
import { FINISHED_STATES, setBookState } from '../queue/book-record.js';
import type { FinalizeResult } from '../contracts/job-data.js';

/** What keeps books' records in step with their jobs. */
export interface TrackBooksDeps {
  redis: Redis;
  /** NARRATE_PREFIX (without braces). */
  prefix: string;
  notify: Queue;
  /** NARRATE_WEBHOOK_URL: where a book's end is posted when its submit named no --notify. */
  webhookUrl: string | undefined;
  logger: Logger;
}

/** A job failed for good (no attempt left, or unrecoverable), as BullMQ's `failed` event reports it. */
export function failedForGood(job: Job, error: Error): boolean {
  return error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** Keeps books' records in step with the jobs of the workers it follows. */
export interface BookTracker {
  /** A book has ended outside any job's events (cancelled, over budget): queue its webhook. */
  ended(bookId: string): void;
  /**
   * Listens to a worker: a job of it that fails for good fails its book; with `finalize`, a job of
   * it that completes finishes its book. Called again for each Worker that replaces a stuck one.
   */
  follow(worker: Worker, options?: { finalize?: boolean }): void;
}

/**
 * Writes each book's end into its record, from the events of the workers it follows: `done` with
 * its output when the book's finalize job completes, `failed` with the reason when any of its jobs
 * fails for good (a cancelled or over-budget book keeps that state). Each end, once, queues its webhook.
 */
export function trackBooks(deps: TrackBooksDeps): BookTracker {
  const ended = (bookId: string) => {
    void bookEnded(deps.redis, deps.notify, deps.prefix, bookId, deps.webhookUrl).catch((error: unknown) =>
      deps.logger.error({ bookId, err: coerceError(error).message }, 'could not queue the webhook'),
    );
  };
  const warn = (bookId: string) => (error: unknown) => deps.logger.error({ bookId, err: coerceError(error).message }, 'could not update the book record');
  return {
    ended,
    follow(worker, options = {}) {
      if (options.finalize) {
        worker.on('completed', (job: Job, result: FinalizeResult) => {
          const bookId = String(job.data?.bookId ?? job.id);
          const fields = { output: result.output, manifest: result.manifest, durationMs: String(Math.round(result.durationMs)), reason: '' };
          void setBookState(deps.redis, deps.prefix, bookId, 'done', { unlessIn: ['done'], fields })
            .then((previous) => previous !== undefined && ended(bookId))
            .catch(warn(bookId));
        });
      }
      worker.on('failed', (job: Job | undefined, error: Error) => {
        const bookId = job?.data?.bookId;
        if (!job || typeof bookId !== 'string' || !failedForGood(job, error)) return;
        void setBookState(deps.redis, deps.prefix, bookId, 'failed', { unlessIn: FINISHED_STATES, fields: { reason: error.message } })
          .then((previous) => previous !== undefined && ended(bookId))
          .catch(warn(bookId));
      });
    },
  };
}
