import { finishConflict } from './finish-conflict.js';
import type { FinishChoices } from '../contracts/finish-choices.js';
import { InputError } from '../errors.js';
import type { BookCover, BookFinish } from '../contracts/book-finish.js';
import { DEFAULT_LOUDNESS } from '../finalizer/loudness-presets.js';
import type { OutputFormat } from '../contracts/job-data.js';
import type { Chapter } from '../contracts/book-text.js';
import { DEFAULT_CHARS_PER_SECOND } from '../verify/expected-duration.js';
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
  const format = bookFormat(book, choices);
  const split = choices.split ?? own.split ?? acx;
  const captions = choices.captions ?? own.captions;
  const readalong = choices.readalong ?? own.readalong;
  const problem = finishConflict(loudness, format, split, 'book');
  if (problem) throw new InputError(`${book.source}: ${problem}`);
  const finish: BookFinish = {
    loudness,
    narrator: choices.narrator ?? own.narrator ?? voice,
    credits: choices.credits ?? own.credits ?? acx,
    split,
    ...(captions === undefined ? {} : { captions }),
    ...(readalong ? { readalong: true } : {}),
    ...(cover ? { cover } : {}),
    ...(own.year === undefined ? {} : { year: own.year }),
    ...(own.description === undefined ? {} : { description: own.description }),
    ...(own.publisher === undefined ? {} : { publisher: own.publisher }),
    ...(book.language === undefined ? {} : { language: book.language }),
  };
  return { finish, format };
}

/** The format a book is written in: --format, else the manifest's, else MP3 for acx, else m4b. */
export function bookFormat(book: Pick<LoadedBook, 'format' | 'finish'>, choices: Pick<FinishChoices, 'loudness'> & { format?: OutputFormat }): OutputFormat {
  const loudness = choices.loudness ?? book.finish?.loudness ?? DEFAULT_LOUDNESS;
  return choices.format ?? book.format ?? (loudness === 'acx' ? 'mp3' : 'm4b');
}

/** Titles of the credit chapters (shown in players; the heading itself is not read, the credit is). */
export const OPENING_CREDITS = 'Opening Credits';
export const CLOSING_CREDITS = 'Closing Credits';

/**
 * The book with ACX's credits as chapters of their own, read by the same voice as any chunk:
 * "Title, by Author. Narrated by Narrator." first and "The End." last. For ACX the closing credits
 * say what ACX's requirements ask them to ("The End. This has been Title, by Author, narrated by
 * Narrator."): its file is then long enough for ACX's RMS, measured over room tone and all.
 */
export function withCredits(chapters: Chapter[], book: { title: string; author: string; narrator: string }, acx = false): Chapter[] {
  const by = book.author.trim() === '' ? '' : `, by ${book.author.trim()}`;
  const opening = `${book.title}${by}. Narrated by ${book.narrator}.`;
  const closing = acx ? `The End. This has been ${book.title}${by}, narrated by ${book.narrator}.` : 'The End.';
  return [{ title: OPENING_CREDITS, paragraphs: [opening] }, ...chapters, { title: CLOSING_CREDITS, paragraphs: [closing] }];
}

/**
 * Minutes of speech an ACX file is planned to hold at most: ACX refuses a file of 120 minutes or
 * more, and a voice slower than the estimate (DEFAULT_CHARS_PER_SECOND) must not push one over.
 */
export const ACX_PLANNED_FILE_MINUTES = 90;

/**
 * A book's chapters as ACX wants them: each heading read aloud (prepended where the chapter does
 * not already open with it; credits are their own words), and a chapter whose estimated reading
 * would pass ACX_PLANNED_FILE_MINUTES split at paragraph ends into "Title (part 2)", … so that every
 * file stays under ACX's 120 minutes. Pure.
 */
export function acxChapters(chapters: readonly Chapter[], charsPerSecond = DEFAULT_CHARS_PER_SECOND): Chapter[] {
  const most = ACX_PLANNED_FILE_MINUTES * 60 * charsPerSecond;
  const norm = (t: string) => t.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return chapters.flatMap((c) => {
    const credits = c.title === OPENING_CREDITS || c.title === CLOSING_CREDITS;
    const heard = credits || c.title.trim() === '' || (c.paragraphs[0] !== undefined && norm(c.paragraphs[0]) === norm(c.title));
    const paragraphs = heard ? c.paragraphs : [c.title, ...c.paragraphs];
    const pieces: string[][] = [[]];
    let chars = 0;
    for (const p of paragraphs) {
      if (chars > 0 && chars + p.length > most) {
        pieces.push([]);
        chars = 0;
      }
      pieces[pieces.length - 1]!.push(p);
      chars += p.length;
    }
    if (pieces.length === 1) return [{ ...c, paragraphs }];
    // Each later file opens with its own heading too.
    return pieces.map((ps, i) => (i === 0 ? { ...c, paragraphs: ps } : { ...c, title: `${c.title} (part ${i + 1})`, paragraphs: [`${c.title}, part ${i + 1}.`, ...ps] }));
  });
}
