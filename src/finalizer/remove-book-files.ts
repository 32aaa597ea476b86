import { withBookOutput, type OpenBookOutput } from '../store/open-book-output.js';
import type { BookSettings } from '../contracts/job-data.js';
import { bookNames } from './book-paths.js';

/**
 * Removes what a failed book has written to its output so far: its encoded parts and its chapter
 * files (a retry writes both again, and their room is freed now). The book file and manifest are
 * published last, so a failed attempt never wrote them. Never throws.
 */
export async function removeBookFiles(book: Pick<BookSettings, 'outDir' | 'slug' | 'format' | 'bookId' | 'finish'>, outputs: OpenBookOutput): Promise<void> {
  const names = bookNames(book);
  await withBookOutput(outputs, book.outDir, async (out) => {
    await out.removeAll(names.partsDir).catch(() => undefined);
    await out.removeAll(names.chaptersDir).catch(() => undefined);
  }).catch(() => undefined);
}
