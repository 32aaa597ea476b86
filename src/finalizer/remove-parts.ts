import { withBookOutput, type OpenBookOutput } from '../store/book-output.js';
import type { BookSettings } from '../queue/job-data.js';
import { bookNames } from './book-paths.js';

/** Removes a book's encoded parts from its output (a failed book's: a retry encodes them again). Never throws. */
export async function removeParts(book: Pick<BookSettings, 'outDir' | 'slug' | 'format' | 'bookId' | 'finish'>, outputs: OpenBookOutput): Promise<void> {
  await withBookOutput(outputs, book.outDir, (out) => out.removeAll(bookNames(book).partsDir)).catch(() => undefined);
}
