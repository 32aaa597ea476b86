import { resolve } from 'node:path';
import pLimit from 'p-limit';
import type { Config } from '../config.js';
import { ConfigError, InputError, NarrateError, UsageError, coerceError } from '../errors.js';
import { resolveLanguage, type LanguageSource } from '../language/resolve-language.js';
import { offlineVoice } from '../language/offline-voice.js';
import { UnknownVoiceError } from '../language/unknown-voice-error.js';
import { DEFAULT_STYLE } from '../providers/narration-instructions.js';
import { expandInputs } from './expand-inputs.js';
import { loadLexicon, mergeLexicons } from './lexicon.js';
import type { ReadingOptions } from './epub/reading-options.js';
import { loadBook, readingChoices, type LoadedBook } from './load-book.js';
import { chaptersAsRead, planBook, type BookChoices, type CastPlan, type PlanOptions } from './plan-book.js';
import type { BookPlan } from '../contracts/book-plan.js';
import { attributeBook, type AttributionCache } from '../cast/attribute-book.js';
import { chapterQuotations } from '../cast/chapter-quotations.js';
import { chatTextModel, type AttributionModel, type TextUsage } from '../cast/chat-text-model.js';
import { FLITE_VOICES } from '../language/offline-voice.js';
import { CHAT_VOICE_NAMES } from '../language/espeak-voice.js';
import { isEnglish } from '../language/languages.js';
import { DEFAULT_MAX_CHARS } from './split-chunks.js';
import { slugify } from '../finalizer/slugify.js';
import { checkFlagCover, resolveCover } from './resolve-cover.js';
import { bookFormat } from './resolve-book-finish.js';
import { withBookOutput, bookOutputs, dirOutputs } from '../store/open-book-output.js';
import { isUrl } from '../store/store-location.js';
import type { ClaimOutcome, SlugHolder } from '../queue/slug-claims.js';
import { chooseSlugs, type ChosenSlug } from './choose-slugs.js';
import { listSlugs, readSlugOwners } from './slug-owners.js';
import { SPEECH_MAX_INPUT_CHARS } from '../providers/speech-max-input.js';

/** Flags of `run`, `submit` and `plan`. */
export interface SubmitOptions extends BookChoices {
  readCode?: boolean;
  /** Footnotes and endnotes: skipped (default) or read at the end of their chapter. */
  notes?: ReadingOptions['notes'];
  /** Read publisher pages (copyright, imprint, colophon, title pages, Gutenberg's licence). */
  keepFrontMatter?: boolean;
  /** A pronunciation lexicon file for every book of this submission. */
  lexicon?: string;
  /** Per-book spending cap in dollars (--max-cost); a manifest's maxCost applies when absent. */
  maxCostUsd?: number;
  /** Webhook posted when each book ends (--notify); NARRATE_WEBHOOK_URL when absent. */
  notify?: string;
  /** --cover: a JPEG or PNG for every book of this submission. */
  cover?: string;
  /** The books' language (canonical BCP 47), overriding what they declare and detection. */
  language?: string;
  /** --cast: `auto` reads dialogue with the characters' voices, `off` with the narrator's alone; a manifest's `cast:` applies when absent. */
  cast?: 'auto' | 'off';
}

/** A planned book, with what `narrate plan` shows beyond the jobs. */
export interface PreparedBook {
  /** The input path the book came from, as the user named it. */
  source: string;
  plan: BookPlan;
  /** Where the book's language came from. */
  languageSource: LanguageSource;
  /** The book's own spending cap in dollars (its manifest's maxCost), if any. */
  maxCost?: number;
  /** The book as read. */
  loaded: LoadedBook;
  /** How its dialogue was attributed, when it is read by a cast. */
  cast?: CastAttribution;
}

/** How a book's quotations were attributed, and what it cost or will cost. */
export interface CastAttribution {
  /** `model`: the chat model (submit, run); `cues`: the text's own cues (offline, and `plan`, which calls no model). */
  by: 'model' | 'cues';
  /** Chapters with quotations: one attribution call each with a key (none when cached). */
  chapters: number;
  /** Characters of those chapters: what the attribution calls send. */
  chars: number;
  /** Quotations in the book. */
  quotations: number;
  /** Calls made now (submit, run), retries included; cached chapters make none. */
  calls: number;
  /** Chapters found in the cache. */
  cached: number;
  usage: TextUsage;
}

/** Books planned from the inputs, without touching Redis: what submit enqueues and plan prints. */
export interface PreparedBooks {
  books: PreparedBook[];
  /** Inputs that could not be read or planned, each with its reason. */
  failures: { source: string; reason: string }[];
  /** Things the user should know that do not stop the book (a guessed language, a missing offline voice). */
  warnings: string[];
  /** Books already queued by an earlier submit of the same source and settings (see PrepareMode.queued). */
  skipped: { source: string; bookId: string }[];
}

/** How far preparing goes. */
export interface PrepareMode {
  /**
   * Plan only (`narrate plan`): write nothing. An EPUB's embedded cover, which submit writes beside the
   * book for the workers, is then left out of the plan. Default false.
   */
  planOnly?: boolean;
  /**
   * Takes each book's slug in Redis, so no other submit (on any host) gives it to another book,
   * and gives back those of books that are then refused (submit and run; plan takes none).
   */
  claims?: SlugClaims;
  /**
   * Asked of each book once it is read, before its slug is taken: the id of a book already queued
   * from the same source and settings (a rerun of a submit), which is then skipped, or undefined.
   */
  queued?: (book: LoadedBook) => Promise<string | undefined>;
  /** Where attributions are cached (Redis, by the chapter's text): submit and run; plan has none. */
  attributionCache?: AttributionCache;
  /** The chat model to attribute quotations with; default the provider's (NARRATE_CAST_MODEL) when a key is set and not planOnly. */
  attributionModel?: AttributionModel;
  /**
   * The slugs each output's files use (by output), kept across the batches of one submit: a
   * library's later batches do not list an output of thousands of books again (one listing, not one
   * per batch). Books this submit queues are held by their claims in Redis meanwhile.
   */
  listings?: Map<string, ReadonlySet<string>>;
}

/** Slugs taken in Redis for the books of one output (see slug-claims.ts). */
export interface SlugClaims {
  claim(outDir: string, slug: string, holder: SlugHolder): Promise<ClaimOutcome>;
  release(outDir: string, slug: string, bookId: string): Promise<void>;
}

/**
 * Reads every input (a few files at a time) and plans each book: the one code path shared by
 * `submit`, `run` and `plan`. A bad file is reported by name and the other books still go on.
 */
export async function prepareBooks(inputs: string[], options: SubmitOptions, config: Config, mode: PrepareMode = {}): Promise<PreparedBooks> {
  // The speech endpoint reads at most 4096 characters a call: asking for more is a mistake to say at once.
  const maxCharsLimit = config.provider === 'speech' ? SPEECH_MAX_INPUT_CHARS : undefined;
  if (maxCharsLimit !== undefined && options.maxChars !== undefined && options.maxChars > maxCharsLimit) {
    throw new UsageError(`--max-chars: expected at most ${maxCharsLimit} with NARRATE_PROVIDER=speech (the speech endpoint's longest input), got ${options.maxChars}`);
  }
  // A bad --cover, --lexicon or NARRATE_LEXICON stops everything before a book is read or a job queued:
  // a setting to fix (exit 2). A book's own lexicon fails that book only (exit 1).
  const flagCover = await checkFlagCover(options.cover);
  const globalLexicon = config.lexicon === undefined ? undefined : await loadLexicon(config.lexicon, { from: 'NARRATE_LEXICON', error: (m) => new ConfigError(m) });
  const flagLexicon = options.lexicon === undefined ? undefined : await loadLexicon(options.lexicon, { from: '--lexicon', error: (m) => new UsageError(m) });
  const expanded = await expandInputs(inputs);
  const failures: PreparedBooks['failures'] = expanded.failures.map((f) => ({ source: f.source, reason: f.error.message }));
  const warnings: string[] = [];
  if (options.title !== undefined && expanded.paths.length > 1) {
    throw new UsageError(`--title names one book, but the inputs hold ${expanded.paths.length}`);
  }
  const read = pLimit(4);
  const loaded = await Promise.all(
    expanded.paths.map((path) =>
      read(async (): Promise<LoadedBook | undefined> => {
        try {
          return await loadBook(path, readingChoices(options));
        } catch (error) {
          failures.push({ source: path, reason: coerceError(error).message });
          return undefined;
        }
      }),
    ),
  );
  const skipped: PreparedBooks['skipped'] = [];
  const readable: LoadedBook[] = [];
  // Asked of every book of the batch at once: one Redis round trip for the batch, not one per book.
  const queuedAs = await Promise.all(loaded.map((b) => (b === undefined || !mode.queued ? undefined : mode.queued(b))));
  for (const [i, b] of loaded.entries()) {
    if (b === undefined) continue;
    const bookId = queuedAs[i];
    if (bookId === undefined) readable.push(b);
    else skipped.push({ source: b.source, bookId });
  }
  // Global (NARRATE_LEXICON), then the book's, then --lexicon: the nearer one wins on a clash.
  const ownLexicons = await Promise.all(
    readable.map((b) =>
      b.lexicon === undefined
        ? undefined
        : loadLexicon(b.lexicon, { from: `${b.source}: lexicon` }).catch((error: unknown) => {
            failures.push({ source: b.source, reason: coerceError(error).message });
            return null;
          }),
    ),
  );
  const books = readable.filter((_b, i) => ownLexicons[i] !== null);
  const bookLexicons = ownLexicons.filter((l) => l !== null);
  const outDir = isUrl(options.outDir) ? options.outDir : resolve(options.outDir);
  const chosen = await chooseBookSlugs(books, options, config, mode, outDir);
  const slugs = chosen.map((c) => c.slug);
  const { readCode: _readCode, lexicon: _lexicon, notes: _notes, keepFrontMatter: _keep, maxCostUsd: _maxCost, notify: _notify, cover: _cover, language: flagLanguage, ...choices } = options;
  const covers = await Promise.all(
    books.map(async (b, i) => {
      try {
        // A WAV file holds no picture: a manifest's cover: would be silently lost, so that book is
        // refused; an EPUB's own cover (nobody asked for it) is simply not published beside it.
        if (bookFormat(b, options) === 'wav') {
          if (b.finish?.cover === undefined) return undefined;
          throw new InputError(`${b.source}: cover: a WAV file cannot hold a cover image; drop cover: or choose a format that holds one (m4b, m4a, mp3, opus, flac)`);
        }
        if (mode.planOnly === true && flagCover === undefined && b.finish?.cover === undefined) return undefined;
        return await resolveCover(b, flagCover, options.outDir, slugs[i]!, mode.planOnly === true ? undefined : bookOutputs(config.s3));
      } catch (error) {
        failures.push({ source: b.source, reason: coerceError(error).message });
        return null;
      }
    }),
  );
  const prepared: PreparedBook[] = [];
  const refused: ChosenSlug[] = [];
  let badSetting: Error | undefined;
  const wantsModel = mode.planOnly !== true && config.apiKey !== undefined && config.provider !== 'offline';
  const model = wantsModel && books.some((b) => castChoice(options, b) !== undefined) ? (mode.attributionModel ?? chatTextModel(config)) : undefined;
  try {
  for (const [i, book] of books.entries()) {
    const own = bookLexicons[i];
    const cover = covers[i];
    if (cover === null) {
      refused.push(chosen[i]!);
      continue;
    }
    try {
      const declared = book.language === undefined ? undefined : { tag: book.language, from: book.languageFrom ?? 'epub' };
      const language = resolveLanguage(book.source, book.chapters, flagLanguage, declared);
      const { cast: _castFlag, ...bookChoices } = choices;
      const planOptions: PlanOptions = {
        ...stripUndefined(bookChoices),
        lexicon: mergeLexicons(globalLexicon, own, flagLexicon),
        slug: slugs[i]!,
        bookId: chosen[i]!.bookId,
        defaultVoice: config.defaultVoice,
        defaultMaxChars: DEFAULT_MAX_CHARS,
        ...(maxCharsLimit === undefined ? {} : { maxCharsLimit }),
        defaultStyle: DEFAULT_STYLE,
        language: language.language,
        ...(cover ? { checkedCover: cover } : {}),
        partChars: config.partChars,
      };
      const choice = castChoice(options, book);
      let attribution: CastAttribution | undefined;
      if (choice !== undefined) {
        const cast = await bookCast(book, planOptions, choice, language.language, config, model === undefined ? {} : { model, ...(mode.attributionCache ? { cache: mode.attributionCache } : {}) });
        planOptions.cast = cast.plan;
        attribution = cast.attribution;
        warnings.push(...cast.warnings.map((w) => `${book.source}: cast: ${w}`));
      }
      const plan = planBook(book, planOptions);
      warnings.push(...language.warnings);
      if (maxCharsLimit !== undefined && options.maxChars === undefined && book.maxChars !== undefined && book.maxChars > maxCharsLimit) {
        warnings.push(`${book.source}: maxChars ${book.maxChars} is over the speech endpoint's ${maxCharsLimit} characters a call: chunked to ${maxCharsLimit}`);
      }
      if (config.provider === 'offline') {
        const voice = checkOfflineVoice(book.source, plan.finalize.voice, language.language, options.voice !== undefined ? 'flag' : book.voice !== undefined ? 'manifest' : 'env');
        if (voice !== undefined) warnings.push(`${book.source}: ${voice}`);
      }
      prepared.push({ source: book.source, plan, loaded: book, languageSource: language.source, ...(book.maxCost === undefined ? {} : { maxCost: book.maxCost }), ...(attribution === undefined ? {} : { cast: attribution }) });
    } catch (error) {
      refused.push(chosen[i]!);
      // A --voice or NARRATE_VOICE no book can be read with is the user's mistake, not the book's: nothing is queued.
      if (error instanceof NarrateError && (error.kind === 'usage' || error.kind === 'config')) badSetting ??= error;
      else failures.push({ source: book.source, reason: coerceError(error).message });
    }
  }
  } finally {
    if (mode.attributionModel === undefined) await model?.close();
  }
  // After a bad setting nothing is queued, so every book gives its slug back, not only the refused ones.
  for (const r of badSetting === undefined ? refused : chosen) await mode.claims?.release(outDir, r.slug, r.bookId);
  if (badSetting !== undefined) throw badSetting;
  return { books: prepared, failures, warnings, skipped };
}

/** Whether a book is read by a cast, and with which voices named: --cast, else its manifest's `cast:`. Undefined: the narrator alone. */
function castChoice(options: SubmitOptions, book: LoadedBook): 'auto' | Record<string, string> | undefined {
  const choice = options.cast ?? book.cast;
  return choice === undefined || choice === 'off' ? undefined : options.cast === 'auto' && typeof book.cast === 'object' ? book.cast : choice;
}

/**
 * A book's cast: its quotations attributed (by the chat model with a key, else by the text's cues),
 * the voices to hand out (the provider's; offline, flite's for English and espeak-ng's variants for
 * the others), and what it cost. A voice the cast map names is checked like --voice.
 */
async function bookCast(
  book: LoadedBook,
  planOptions: PlanOptions,
  choice: 'auto' | Record<string, string>,
  language: string,
  config: Config,
  how: { model?: AttributionModel; cache?: AttributionCache },
): Promise<{ plan: CastPlan; attribution: CastAttribution; warnings: string[] }> {
  const chosen = choice === 'auto' ? undefined : choice;
  const offline = config.provider === 'offline';
  if (offline && chosen) for (const voice of Object.values(chosen)) checkOfflineVoice(book.source, voice, language, 'manifest');
  const chapters = chaptersAsRead(book, planOptions);
  const found = await attributeBook(chapters, how);
  const warnings = [...found.warnings];
  if (found.by === 'cues' && !isEnglish(language)) warnings.push(`the text's cues are read in English only; this book (${language}) is read by the narrator alone unless a key lets the chat model attribute it`);
  const quotations = chapters.map((c) => chapterQuotations(c.paragraphs));
  const asked = chapters.filter((_c, i) => quotations[i]!.length > 0);
  const sound = offline ? (voice: string) => offlineVoice(voice, language).voice : undefined;
  const available = offline && isEnglish(language) ? FLITE_VOICES : CHAT_VOICE_NAMES;
  return {
    plan: { speakers: found.speakers, available, ...(chosen ? { chosen } : {}), ...(sound ? { sound } : {}) },
    attribution: {
      by: found.by,
      chapters: asked.length,
      chars: asked.reduce((n, c) => n + c.paragraphs.reduce((m, p) => m + p.length + 2, 0), 0),
      quotations: quotations.reduce((n, q) => n + q.length, 0),
      calls: found.calls,
      cached: found.cached,
      usage: found.usage,
    },
    warnings,
  };
}

/**
 * Whether the offline voice can read a book in `language` with `voice`; its warning if any. An unknown
 * voice names where it came from: --voice and NARRATE_VOICE stop the submission (exit 2), a manifest's
 * `voice:` fails that book alone; each message lists the voices for the book's language.
 */
function checkOfflineVoice(source: string, voice: string, language: string, from: 'flag' | 'manifest' | 'env'): string | undefined {
  try {
    return offlineVoice(voice, language).warning;
  } catch (error) {
    if (!(error instanceof UnknownVoiceError)) throw error;
    if (from === 'flag') throw new UsageError(`--voice: ${error.message}`);
    if (from === 'env') throw new ConfigError(`NARRATE_VOICE: ${error.message}`);
    throw new InputError(`${source}: voice: ${error.message}`);
  }
}

/**
 * Each book's slug (see chooseSlugs), checked against the output's files (a directory, or a
 * bucket except for `plan`, which reads no bucket) and, with `mode.claims`, taken in Redis.
 */
async function chooseBookSlugs(books: LoadedBook[], options: SubmitOptions, config: Config, mode: PrepareMode, outDir: string): Promise<ChosenSlug[]> {
  const wishes = books.map((b) => ({ base: slugify(options.title ?? b.title), source: b.files[0] ?? resolve(b.source) }));
  const claims = mode.claims;
  const checks = claims && { claim: (slug: string, holder: SlugHolder) => claims.claim(outDir, slug, holder), release: (slug: string, bookId: string) => claims.release(outDir, slug, bookId) };
  if (mode.planOnly === true && isUrl(outDir)) return chooseSlugs(wishes, { owners: async () => ({ holder: 'none' }), ...checks });
  const outputs = mode.planOnly === true ? dirOutputs : bookOutputs(config.s3);
  // Every book of the batch already queued (a rerun): no slug to choose, no output to open.
  if (books.length === 0) return [];
  return withBookOutput(outputs, outDir, async (out) => {
    let used = mode.listings?.get(outDir);
    if (used === undefined) {
      used = await listSlugs(out);
      mode.listings?.set(outDir, used);
    }
    return chooseSlugs(wishes, { owners: readSlugOwners(out, used), ...checks });
  });
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
