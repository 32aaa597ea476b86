import { parseLanguageTag } from '../language/parse-language-tag.js';
import { resolve } from 'node:path';
import type { FinalizeJobData, OutputFormat, SynthesizeJobData } from '../contracts/job-data.js';
import { isUrl } from '../store/store-location.js';
import { newBookId } from './new-book-id.js';
import type { LoadedBook } from './load-book.js';
import { applyLexicon, type Lexicon } from './lexicon.js';
import { pronunciationHints } from './pronunciation-hints.js';
import { splitChunks } from './split-chunks.js';
import { acxChapters, bookFinish, withCredits } from './resolve-book-finish.js';
import type { FinishChoices } from '../contracts/finish-choices.js';
import type { CoverType } from '../contracts/book-finish.js';
import { planParts } from '../finalizer/plan-parts.js';
import type { BookPlan } from '../contracts/book-plan.js';

/** What the user chose for a book on the command line; each overrides what a manifest says. */
export interface BookChoices {
  outDir: string;
  format?: OutputFormat;
  voice?: string;
  title?: string;
  author?: string;
  maxChars?: number;
  /** Voice style appended to the narration instructions. */
  style?: string;
  /** --loudness, --cover, --narrator, --credits, --split. */
  loudness?: NonNullable<FinishChoices['loudness']>;
  narrator?: string;
  credits?: boolean;
  split?: boolean;
}

/** Everything planBook needs: the user's choices plus what the submission worked out. */
export interface PlanOptions extends BookChoices {
  /** Spoken forms applied to the text before chunking (the chapter titles shown stay as written). */
  lexicon?: Lexicon;
  /** The slug to write under (already chosen so that no other book holds it: see chooseSlugs). */
  slug: string;
  /** The book's id, when chosen with its slug; default a new one (newBookId). */
  bookId?: string;
  defaultVoice: string;
  defaultMaxChars: number;
  /** The provider's longest input per call (the speech endpoint's 4096): no chunk is longer, whatever was asked. */
  maxCharsLimit?: number;
  defaultStyle: string;
  /** The cover checked at submit (flag, manifest or the EPUB's own), if any. */
  checkedCover?: { path: string; type: CoverType };
  /** Characters per encoded part (default PART_CHARS). */
  partChars?: number;
  /** The book's language (BCP 47), already resolved: decides sentence and word boundaries. Default "en". */
  language?: string;
}

/** Chunks a loaded book and fills in the settings every job needs. Pure apart from the id's randomness. */
export function planBook(loaded: LoadedBook, options: PlanOptions): BookPlan {
  const { finish, format } = bookFinish(loaded, options, options.voice ?? loaded.voice ?? options.defaultVoice, options.checkedCover);
  const credited = finish.credits ? { ...loaded, chapters: withCredits(loaded.chapters, { title: options.title ?? loaded.title, author: options.author ?? loaded.author, narrator: finish.narrator }, finish.loudness === 'acx') } : loaded;
  const book = finish.loudness === 'acx' ? { ...credited, chapters: acxChapters(credited.chapters) } : credited;
  const maxChars = Math.min(options.maxChars ?? book.maxChars ?? options.defaultMaxChars, options.maxCharsLimit ?? Infinity);
  const lexicon = options.lexicon;
  const spoken = lexicon && lexicon.size > 0
    ? book.chapters.map((c) => ({ title: c.title, paragraphs: c.paragraphs.map((p) => applyLexicon(p, lexicon)) }))
    : book.chapters;
  // prepareBooks always resolves it; a direct caller gets the book's own valid tag, else English.
  const language = options.language ?? parseLanguageTag(book.language ?? '') ?? 'en';
  const chunks = splitChunks(spoken, maxChars, language);
  const voice = options.voice ?? book.voice ?? options.defaultVoice;
  const style = options.style ?? book.style ?? options.defaultStyle;
  const bookId = options.bookId ?? newBookId(options.slug);
  return {
    finalize: {
      bookId,
      title: options.title ?? book.title,
      author: options.author ?? book.author,
      voice,
      format,
      // An s3:// URL (already checked by the CLI) stays as it is; a path becomes absolute.
      outDir: isUrl(options.outDir) ? options.outDir : resolve(options.outDir),
      slug: options.slug,
      chapters: book.chapters.map((c) => ({ title: c.title })),
      chunks: chunks.map(({ index, chapter, pauseAfter }) => ({ index, chapter, pauseAfter })),
      parts: planParts(chunks, options.partChars),
      sources: book.files,
      language,
      submittedAt: new Date().toISOString(),
      // The resolved language (flag, declared or detected) is the one tagged, not only a declared one.
      finish: options.language === undefined ? finish : { ...finish, language },
    },
    synthesize: chunks.map((c) => {
      const hints = book.readings ? pronunciationHints(c.text, book.readings) : '';
      return { bookId, index: c.index, chapter: c.chapter, text: c.text, voice, style, language, ...(hints === '' ? {} : { hints }) };
    }),
  };
}
