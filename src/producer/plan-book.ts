import { parseLanguageTag } from '../language/parse-language-tag.js';
import { resolve } from 'node:path';
import type { FinalizeJobData, OutputFormat, SynthesizeJobData } from '../contracts/job-data.js';
import { isUrl } from '../store/store-location.js';
import { newBookId } from './new-book-id.js';
import type { LoadedBook } from './load-book.js';
import { applyLexicon, type Lexicon } from './lexicon.js';
import { pronunciationHints } from './pronunciation-hints.js';
import { splitChunks, splitTurnChunks } from './split-chunks.js';
import type { Chapter, Chunk } from '../contracts/book-text.js';
import { speakerTurns } from '../cast/speaker-turns.js';
import { castMembers, castVoices } from '../cast/cast-voices.js';
import { NARRATOR, speakerKey } from '../cast/speaker-name.js';
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
  /** --loudness, --cover, --narrator, --credits, --split, --captions, --readalong. */
  loudness?: NonNullable<FinishChoices['loudness']>;
  narrator?: string;
  credits?: boolean;
  split?: boolean;
  captions?: NonNullable<FinishChoices['captions']>;
  readalong?: boolean;
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
  /** Dialogue read by the characters' voices (see CastPlan); absent: the narrator reads everything. */
  cast?: CastPlan;
}

/** How a book's dialogue is voiced: who speaks each quotation, and the voices to give them. */
export interface CastPlan {
  /** Per chapter of the book as read (chaptersAsRead), per quotation: its speaker, or null for the narrator. */
  speakers: readonly (readonly (string | null)[])[];
  /** The provider's voices to hand out (cast-voices.ts). */
  available: readonly string[];
  /** Voices the user named per speaker (a manifest's cast map); `narrator` sets the narrator's. */
  chosen?: Readonly<Record<string, string>>;
  /** What a voice name sounds like (offline, alloy is rms). */
  sound?: (voice: string) => string;
}

/**
 * The chapters as they will be read: the book's, with credits and ACX's spoken chapter openings
 * added when asked for, before any lexicon. The cast is attributed on these, so its quotation
 * numbers match what planBook chunks.
 */
export function chaptersAsRead(loaded: LoadedBook, options: PlanOptions): Chapter[] {
  return readBook(loaded, options).book.chapters;
}

function readBook(loaded: LoadedBook, options: PlanOptions) {
  const { finish, format } = bookFinish(loaded, options, narratorVoice(loaded, options), options.checkedCover);
  const credited = finish.credits ? { ...loaded, chapters: withCredits(loaded.chapters, { title: options.title ?? loaded.title, author: options.author ?? loaded.author, narrator: finish.narrator }, finish.loudness === 'acx') } : loaded;
  const book = finish.loudness === 'acx' ? { ...credited, chapters: acxChapters(credited.chapters) } : credited;
  return { finish, format, book };
}

/** The narrator's voice: --voice, else the cast map's `narrator`, else the manifest's voice, else the default. */
function narratorVoice(loaded: LoadedBook, options: PlanOptions): string {
  const fromCast = options.cast?.chosen === undefined ? undefined : Object.entries(options.cast.chosen).find(([name]) => speakerKey(name) === NARRATOR)?.[1];
  return options.voice ?? fromCast ?? loaded.voice ?? options.defaultVoice;
}

/** Chunks a loaded book and fills in the settings every job needs. Pure apart from the id's randomness. */
export function planBook(loaded: LoadedBook, options: PlanOptions): BookPlan {
  const { finish, format, book } = readBook(loaded, options);
  const maxChars = Math.min(options.maxChars ?? book.maxChars ?? options.defaultMaxChars, options.maxCharsLimit ?? Infinity);
  const lexicon = options.lexicon;
  const speak = (text: string) => (lexicon && lexicon.size > 0 ? applyLexicon(text, lexicon) : text);
  const spoken = lexicon && lexicon.size > 0
    ? book.chapters.map((c) => ({ title: c.title, paragraphs: c.paragraphs.map(speak) }))
    : book.chapters;
  // prepareBooks always resolves it; a direct caller gets the book's own valid tag, else English.
  const language = options.language ?? parseLanguageTag(book.language ?? '') ?? 'en';
  const cast = options.cast;
  // With a cast, chapters are cut into speaker turns first (on the text as written, where the
  // quotations were numbered), the lexicon applied to each turn; no chunk holds two voices.
  const chunks = cast === undefined
    ? splitChunks(spoken, maxChars, language)
    : splitTurnChunks(book.chapters.map((c, i) => speakerTurns(c.paragraphs, cast.speakers[i] ?? []).map((turns) => turns.map((t) => ({ ...t, text: speak(t.text) })))), maxChars, language);
  const voice = narratorVoice(book, options);
  const lines = new Map<string, number>();
  for (const chapter of cast?.speakers ?? []) for (const s of chapter) if (s !== null) lines.set(s, (lines.get(s) ?? 0) + 1);
  const voices = cast === undefined ? new Map<string, string>() : castVoices(lines, { narrator: voice, available: cast.available, ...(cast.chosen ? { chosen: cast.chosen } : {}), ...(cast.sound ? { sound: cast.sound } : {}) });
  const voiceOf = (c: Chunk) => (c.speaker === undefined ? voice : (voices.get(c.speaker) ?? voice));
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
      chunks: chunks.map((c) => ({ index: c.index, chapter: c.chapter, pauseAfter: c.pauseAfter, ...(cast === undefined ? {} : { voice: voiceOf(c), ...(c.speaker === undefined ? {} : { speaker: c.speaker }) }) })),
      ...(cast === undefined ? {} : { cast: castMembers(chunks.map((c) => ({ text: c.text, voice: voiceOf(c), ...(c.speaker === undefined ? {} : { speaker: c.speaker }) })), lines, voice) }),
      parts: planParts(chunks, options.partChars),
      sources: book.files,
      language,
      submittedAt: new Date().toISOString(),
      // The resolved language (flag, declared or detected) is the one tagged, not only a declared one.
      finish: options.language === undefined ? finish : { ...finish, language },
    },
    synthesize: chunks.map((c) => {
      const hints = book.readings ? pronunciationHints(c.text, book.readings) : '';
      return { bookId, index: c.index, chapter: c.chapter, text: c.text, voice: voiceOf(c), style, language, ...(hints === '' ? {} : { hints }), ...(c.speaker === undefined ? {} : { speaker: c.speaker }) };
    }),
  };
}
