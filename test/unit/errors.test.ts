import { describe, expect, it } from 'vitest';
import { BookJobsBusyError } from '../../src/books/remove-book-jobs.js';
import { ConfigError, InputError, NarrateError, ProviderError, StoreError, StoreRefusedError, UsageError, exitCodeOf, httpStatusOf } from '../../src/errors.js';
import { BookStoppedError, DailyBudgetSpentError } from '../../src/money/spend-errors.js';
import { RedisUnreachableError } from '../../src/queue/connection.js';
import { DamagedBookRecordError } from '../../src/queue/damaged-book-record-error.js';
import { TokenBudgetError } from '../../src/queue/token-budget.js';

describe('errors sort themselves by kind, never by their words', () => {
  it('gives exit code 2 to a flag or a setting to fix, 1 to everything else', () => {
    expect(exitCodeOf(new UsageError('--max-chars: expected a number'))).toBe(2);
    expect(exitCodeOf(new ConfigError('NARRATE_RPM: expected a number'))).toBe(2);
    expect(exitCodeOf(new RedisUnreachableError('cannot reach Redis at 127.0.0.1:1'))).toBe(2);
    // The same words on another kind decide nothing.
    expect(exitCodeOf(new InputError('--looks like a flag, is a book file'))).toBe(1);
    expect(exitCodeOf(new StoreError('start-up check failed for store s3://b/', { retryable: false }))).toBe(1);
    expect(exitCodeOf(new StoreError('cannot write s3://b/', { retryable: false, setting: true }))).toBe(2);
    expect(exitCodeOf(new Error('--anything'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
  });

  it('gives an HTTP status from the kind: 400, 404, 409, else 500', () => {
    expect(httpStatusOf(new UsageError('bad'))).toBe(400);
    expect(httpStatusOf(new BookJobsBusyError('3 jobs of book b are still held'))).toBe(409);
    expect(httpStatusOf(new ProviderError('503 from the model', { retryable: true }))).toBe(500);
    expect(httpStatusOf(new Error('no book "x"'))).toBe(500);
  });

  it('makes every error class a NarrateError with a kind; a full disk is its own kind', () => {
    const all = [
      new UsageError('u'),
      new BookJobsBusyError('b'),
      new BookStoppedError('s'),
      new DailyBudgetSpentError('d', 1_000),
      new TokenBudgetError('t'),
      new RedisUnreachableError('r'),
    ];
    for (const error of all) {
      expect(error).toBeInstanceOf(NarrateError);
      expect(error.kind).not.toBe('internal');
    }
    expect(new DamagedBookRecordError('id', 'key', 'state is not a state')).toBeInstanceOf(NarrateError);
    expect(new StoreRefusedError('no room on /out', { refusal: 'full', code: 'ENOSPC' }).kind).toBe('disk-full');
    expect(new StoreRefusedError('read-only /out', { refusal: 'read-only', code: 'EROFS' }).kind).toBe('store');
    expect(new BookJobsBusyError('b').retryable).toBe(true);
  });
});
