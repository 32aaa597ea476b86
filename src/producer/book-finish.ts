import { finishConflict, type FinishChoices } from '../cli/finish-flags.js';
import { InputError } from '../errors.js';
import type { BookCover } from '../queue/book-finish.js';
import { DEFAULT_LOUDNESS } from '../finalizer/loudness-presets.js';
import type { BookFinish } from '../queue/book-finish.js';
import type { OutputFormat } from '../queue/job-data.js';
import type { Chapter } from './book-text.js';
import type { LoadedBook } from './load-book.js';

/**
 * How one book is finished: flags first, then what the book asks for, then defaults (audiobook
 * loudness, the voice's name as narrator, credits with acx, split with acx). The format ACX takes
 * (MP3) is chosen when none was. A book whose own choices clash is refused, naming its file.
 */
export function bookFinish(
  book: LoadedBook,
  choices: FinishChoices & { format?: OutputFormat },
  voice: string,
  cover: BookCover | undefined,
): { finish: BookFinish; format: OutputFormat } {
  const own = book.finish ?? {};
  const loudness = choices.loudness ?? own.loudness ?? DEFAULT_LOUDNESS;
  const acx = loudness === 'acx';
  const format = choices.format ?? book.format ?? (acx ? 'mp3' : 'm4b');
  const split = choices.split ?? own.split ?? acx;
  const problem = finishConflict(loudness, format, split);
  if (problem) throw new InputError(`${book.source}: ${problem.replace(/^--loudness acx/, 'loudness acx').replace(/--format (\w+)/, 'format $1')}`);
  const finish: BookFinish = {
    loudness,
    narrator: choices.narrator ?? own.narrator ?? voice,
    credits: choices.credits ?? own.credits ?? acx,
    split,
    ...(cover ? { cover } : {}),
    ...(own.year === undefined ? {} : { year: own.year }),
    ...(own.description === undefined ? {} : { description: own.description }),
    ...(own.publisher === undefined ? {} : { publisher: own.publisher }),
    ...(book.language === undefined ? {} : { language: book.language }),
  };
  return { finish, format };
}

/** Titles of the credit chapters (shown in players; the heading itself is not read, the credit is). */
export const OPENING_CREDITS = 'Opening Credits';
export const CLOSING_CREDITS = 'Closing Credits';

/**
 * The book with ACX's credits as chapters of their own, read by the same voice as any chunk:
 * "Title, by Author. Narrated by Narrator." first and "The End." last.
 */
export function withCredits(chapters: Chapter[], book: { title: string; author: string; narrator: string }): Chapter[] {
  const by = book.author.trim() === '' ? '' : `, by ${book.author.trim()}`;
  const opening = `${book.title}${by}. Narrated by ${book.narrator}.`;
  return [{ title: OPENING_CREDITS, paragraphs: [opening] }, ...chapters, { title: CLOSING_CREDITS, paragraphs: ['The End.'] }];
}
