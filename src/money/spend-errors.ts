import { NarrateError } from '../errors.js';

/** The book was cancelled or went over its cap: no more model calls for it until someone retries it. */
export class BookStoppedError extends NarrateError {
  constructor(message: string) {
    super(message, { retryable: false, kind: 'budget' });
  }
}

/**
 * NARRATE_DAILY_BUDGET is spent for this UTC day: the chunk waits (it is not failed) and is looked
 * at again after `retryAfterMs`.
 */
export class DailyBudgetSpentError extends NarrateError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message, { retryable: true, kind: 'budget' });
    this.retryAfterMs = retryAfterMs;
  }
}
