import { UnrecoverableError } from 'bullmq';
import type { OpenBookOutput } from '../store/open-book-output.js';
import { removeBookFiles } from './remove-book-files.js';

/**
 * A full disk while a part, a chapter or the book is written. Another attempt minutes later would
 * meet the same disk, so the book fails at once, saying what to do; its partial files are gone
 * (every write goes to a scratch file removed on failure) and its narrated segments are kept, so
 * `narrate retry` finishes it without a model call once there is room.
 */

/** Whether `error` (or anything in its cause chain, or ffmpeg's words in its message) is ENOSPC (or EDQUOT: a quota is a full disk for this user). */
export function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || /No space left on device/i.test(e.message)) return true;
  }
  return false;
}

/** The message a book fails with when its output's disk is full. */
export function diskFullMessage(bookId: string, where: string): string {
  return `no space left on the disk of ${where}: the book's partial files, chapter files and parts were removed and its narrated segments are kept; free some space and run \`narrate retry ${bookId}\` (no model call is made again)`;
}

/**
 * For a part or book job that failed: when the disk is full, removes the book's parts and chapter
 * files (a retry writes them again: their room is freed now) and gives the error that fails the
 * book at once, its message led by `what`; otherwise undefined.
 */
export async function diskFullFailure(error: unknown, book: Parameters<typeof removeBookFiles>[0], outputs: OpenBookOutput, what?: string): Promise<UnrecoverableError | undefined> {
  if (!isDiskFull(error)) return undefined;
  await removeBookFiles(book, outputs);
  return new UnrecoverableError(`${what === undefined ? '' : `${what}: `}${diskFullMessage(book.bookId, book.outDir)}`);
}
