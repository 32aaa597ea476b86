import { join } from 'node:path';
import { slugify } from './slugify.js';
import { OUTPUT_FORMATS, type BookSettings } from '../contracts/job-data.js';
import { chapterFileTitle } from './chapter-playlist.js';

/**
 * Where a book's files live, all under its `--out` directory:
 * - `<slug>.<ext>` the book, `<slug>.json` its manifest, `<slug>.vtt|srt` its captions (and beside each chapter file),
 *   `<slug>.epub` its read-along EPUB;
 * - `<slug>.chapters/NN-<chapter>.<ext>` each chapter, written as soon as its parts are encoded, so
 *   a listener can start before the book is done; kept beside the book;
 * - with `--split chapters` instead `<slug>/NN - <Chapter Title>.<ext>` and the playlist `<slug>/<slug>.m3u8`;
 * - `.narrate-parts/<bookId>/` the encoded parts, removed once the book is assembled.
 */
export interface BookPaths {
  output: string;
  manifest: string;
  chaptersDir: string;
  /** The chapters' playlist, written only for a book split into chapters. */
  playlist: string;
  partsDir: string;
  chapterFile(chapter: number, title: string, chapters: number): string;
  partFile(part: number, extension: string): string;
}

/** The paths of a book's files (see BookPaths). Pure. */
export function bookPaths(book: Pick<BookSettings, 'outDir' | 'slug' | 'format' | 'bookId' | 'finish'>, extension: string = book.format): BookPaths {
  const split = book.finish?.split === true;
  const chaptersDir = join(book.outDir, split ? book.slug : `${book.slug}.chapters`);
  const partsDir = join(book.outDir, '.narrate-parts', book.bookId);
  return {
    output: join(book.outDir, `${book.slug}.${extension}`),
    manifest: join(book.outDir, `${book.slug}.json`),
    chaptersDir,
    playlist: join(chaptersDir, `${book.slug}.m3u8`),
    partsDir,
    chapterFile(chapter, title, chapters) {
      const n = String(chapter + 1).padStart(Math.max(2, String(chapters).length), '0');
      return join(chaptersDir, split ? `${n} - ${chapterFileTitle(title, chapter)}.${extension}` : `${n}-${slugify(title)}.${extension}`);
    },
    partFile(part, ext) {
      return join(partsDir, `p${String(part).padStart(5, '0')}.${ext}`);
    },
  };
}

/** The same files as names relative to the book's output (a directory or an s3:// prefix; see BookOutput). Pure. */
export function bookNames(book: Pick<BookSettings, 'slug' | 'format' | 'bookId' | 'finish'>, extension: string = book.format): BookPaths {
  return bookPaths({ ...book, outDir: '' }, extension);
}

// A slug (see slugify) alone, or with the extension of a book, its manifest or its chapters' folder.
const TOP_LEVEL_NAME = new RegExp(`^([a-z0-9]+(?:-[a-z0-9]+)*)(?:\\.(?:${[...OUTPUT_FORMATS, 'json', 'chapters', 'vtt', 'srt', 'epub'].join('|')}))?$`);

/**
 * The slug a name at the top of an output belongs to: `same.m4b`, `same.json`, `same.chapters` and a
 * split book's folder `same` all belong to `same`; undefined for a name no book writes there. Pure.
 */
export function slugOfName(name: string): string | undefined {
  return TOP_LEVEL_NAME.exec(name)?.[1];
}
