import { NarrateError } from '../errors.js';

/**
 * A book record in Redis that narrate cannot read (a field edited by hand, a partial write): the
 * message names the book, the field and the key, so an operator can look at it with redis-cli.
 * Listings skip such a record and name it rather than fail for every book.
 */
export class DamagedBookRecordError extends NarrateError {
  readonly bookId: string;
  readonly key: string;

  constructor(bookId: string, key: string, problem: string, options: { cause?: unknown } = {}) {
    super(`the record of book ${JSON.stringify(bookId)} in Redis is damaged: ${problem} (see redis-cli HGETALL ${key})`, { ...options, retryable: false });
    this.bookId = bookId;
    this.key = key;
  }
}
