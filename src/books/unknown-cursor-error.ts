import { UsageError } from '../errors.js';

/**
 * A listing's `--after` names no book of the deployment: a typo, another NARRATE_PREFIX, or a book
 * removed since the previous page (clean, cancel --purge). The message says what to give instead;
 * a UsageError (a flag to fix), so the CLI exits 2.
 */
export class UnknownCursorError extends UsageError {
  readonly bookId: string;

  constructor(bookId: string, prefix: string) {
    super(`--after: no book ${JSON.stringify(bookId)} under prefix "${prefix}": give the id of the last book of the previous page (the "next page" line names it), or leave --after out to start from the first book`);
    this.bookId = bookId;
  }
}
