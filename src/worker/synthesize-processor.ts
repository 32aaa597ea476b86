import { setMaxListeners } from 'node:events';
import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job, type Queue } from 'bullmq';
import { DailyBudgetSpentError } from '../money/spend-errors.js';
import { RateLimitedError, coerceError, isRetryable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PartTexts, StoredPlan, SynthesizeJobRef, SynthesizeResult } from '../contracts/job-data.js';
import { chunkIn, type TextCache } from '../store/text-objects.js';
import { DrainingError } from './call-slots.js';
import { recordChunk } from './metrics.js';
import { synthesizeChunk, type SynthesizeDeps } from './synthesize-chunk.js';

/**
 * The BullMQ processor around synthesizeChunk: sorts failures for BullMQ.
 * - shutting down before its first call: back to wait, no attempt spent (see CallSlots).
 * - 429: every shard's queue pauses for Retry-After (queue.rateLimit) and the job goes back to wait
 *   without spending an attempt, instead of every job backing off alone and returning as a storm.
 * - permanent (401, 400, unfaithful after every try): UnrecoverableError, no attempt wasted.
 * - anything else: thrown as is, retried with exponential backoff and jitter.
 */
export function synthesizeProcessor(deps: SynthesizeDeps & { queues: readonly Queue[]; logger: Logger; texts: TextCache }) {
  return async (job: Job<SynthesizeJobRef, SynthesizeResult>, token?: string, signal?: AbortSignal): Promise<SynthesizeResult> => {
    // Each model call (retries and split halves included) listens on the job's signal; a chunk may
    // legitimately make more than Node's default ten before it is accepted.
    if (signal) setMaxListeners(64, signal);
    try {
      // The chunk's text is in the store with its part's: one read serves the part's every chunk.
      const texts = await deps.texts.json<PartTexts | StoredPlan>(job.data.text, `chunk ${job.data.index} of book ${job.data.bookId}`, signal);
      const chunk = chunkIn(texts, job.data.index);
      if (!chunk) throw new UnrecoverableError(`chunk ${job.data.index} of book ${job.data.bookId}: not in its part's text ${job.data.text}`);
      const result = await synthesizeChunk({ bookId: job.data.bookId, ...chunk }, deps, signal);
      recordChunk(result);
      deps.logger.debug({ bookId: job.data.bookId, chunk: job.data.index, cached: result.cached, calls: result.calls }, 'chunk done');
      await deps.ledger?.chunkDone(job.data.bookId, result);
      return result;
    } catch (thrown) {
      const error = coerceError(thrown);
      if (error instanceof DrainingError) {
        // Taken ahead of a call slot, never called: back to wait for another worker, no attempt spent.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (error instanceof DailyBudgetSpentError) {
        // NARRATE_DAILY_BUDGET is spent: the chunk waits (no attempt spent, the book does not fail) and looks again later.
        deps.logger.warn({ bookId: job.data.bookId, chunk: job.data.index, retryInMs: error.retryAfterMs }, error.message);
        await job.moveToDelayed(Date.now() + error.retryAfterMs, token);
        throw new DelayedError();
      }
      if (error instanceof RateLimitedError) {
        deps.logger.warn({ bookId: job.data.bookId, chunk: job.data.index, retryAfterMs: error.retryAfterMs }, 'provider rate limit: pausing the queue');
        // Every shard's synthesize queue: the provider's limit is the fleet's, whichever shard met it.
        await Promise.all(deps.queues.map((q) => q.rateLimit(error.retryAfterMs)));
        throw Worker.RateLimitError();
      }
      if (!isRetryable(error)) {
        throw new UnrecoverableError(`chunk ${job.data.index}: ${error.message}`);
      }
      deps.logger.warn({ bookId: job.data.bookId, chunk: job.data.index, attempt: job.attemptsMade + 1, err: error.message }, 'chunk attempt failed');
      throw error;
    }
  };
}
