import { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import pLimit from 'p-limit';
import type { Config } from '../config.js';
import { InputError, coerceError } from '../errors.js';
import { buildFlow } from '../queue/build-flow.js';
import { createBookRecord } from '../queue/book-record.js';
import { estimateCost, formatUsd, type CostEstimate } from '../money/estimate-cost.js';
import { loadPrices, pricesFor } from '../money/prices.js';
import { bullPrefix } from '../queue/names.js';
import { DEFAULT_STYLE } from '../worker/narration-instructions.js';
import { expandInputs } from './expand-inputs.js';
import { loadLexicon, mergeLexicons } from './lexicon.js';
import type { ReadingOptions } from './epub/reading-options.js';
import { loadBook, readingChoices, type LoadedBook } from './load-book.js';
import { planBook, type BookChoices, type BookPlan } from './plan-book.js';
import { DEFAULT_MAX_CHARS } from './split-chunks.js';
import { slugify, uniqueSlugs } from './slugify.js';
import { checkFlagCover, resolveCover } from './resolve-cover.js';

/** Flags of `run` and `submit`. */
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
}

/** A book now in the queue. */
export interface SubmittedBook {
  bookId: string;
  title: string;
  chunks: number;
  chapters: number;
  output: string;
  /** What the book is expected to cost (see estimateCost). */
  estimate: CostEstimate;
}

/** What a submission did: books queued, and inputs refused, each with its reason. */
export interface Submission {
  books: SubmittedBook[];
  failures: { source: string; reason: string }[];
}

/**
 * Reads every input (a few files at a time), plans each book and enqueues its flow. A bad file is
 * reported by name and the other books still go in.
 */
export async function submitBooks(inputs: string[], options: SubmitOptions, config: Config, connection: Redis): Promise<Submission> {
  // A bad --cover stops everything before a file is read or a job queued.
  const flagCover = await checkFlagCover(options.cover);
  const expanded = await expandInputs(inputs);
  const failures: Submission['failures'] = expanded.failures.map((f) => ({ source: f.source, reason: f.error.message }));
  if (options.title !== undefined && expanded.paths.length > 1) {
    throw new InputError(`--title names one book, but the inputs hold ${expanded.paths.length}`);
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
  const books = loaded.filter((b): b is LoadedBook => b !== undefined);
  // Global (NARRATE_LEXICON), then the book's, then --lexicon: the nearer one wins on a clash.
  const globalLexicon = config.lexicon === undefined ? undefined : await loadLexicon(config.lexicon);
  const flagLexicon = options.lexicon === undefined ? undefined : await loadLexicon(options.lexicon);
  const bookLexicons = await Promise.all(
    books.map((b) =>
      b.lexicon === undefined
        ? undefined
        : loadLexicon(b.lexicon).catch((error: unknown) => {
            failures.push({ source: b.source, reason: coerceError(error).message });
            return null;
          }),
    ),
  );
  const slugs = uniqueSlugs(books.map((b) => slugify(options.title ?? b.title)));
  const { readCode: _readCode, lexicon: _lexicon, notes: _notes, keepFrontMatter: _keep, maxCostUsd: _maxCost, notify: _notify, cover: _cover, ...choices } = options;
  const prices = pricesFor(loadPrices(config.pricesFile), config.model);
  const covers = await Promise.all(
    books.map((b, i) =>
      resolveCover(b, flagCover, options.outDir, slugs[i]!).catch((error: unknown) => {
        failures.push({ source: b.source, reason: coerceError(error).message });
        return null;
      }),
    ),
  );
  const plans: BookPlan[] = [];
  const money = new Map<BookPlan, { estimate: CostEstimate; maxCostUsd: number | undefined }>();
  books.forEach((book, i) => {
    const own = bookLexicons[i];
    const cover = covers[i];
    if (own === null || cover === null) return;
    try {
      const plan =
        planBook(book, {
          ...stripUndefined(choices),
          lexicon: mergeLexicons(globalLexicon, own, flagLexicon),
          slug: slugs[i]!,
          defaultVoice: config.defaultVoice,
          defaultMaxChars: DEFAULT_MAX_CHARS,
          defaultStyle: DEFAULT_STYLE,
          ...(cover ? { checkedCover: cover } : {}),
          partChars: config.partChars,
        });
      const estimate = estimateCost(plan.synthesize, prices);
      const maxCostUsd = options.maxCostUsd ?? book.maxCost;
      // Refused before anything reaches Redis: no model call is ever made for it.
      if (maxCostUsd !== undefined && estimate.costUsd > maxCostUsd) {
        failures.push({ source: book.source, reason: `"${plan.finalize.title}" is estimated at ${formatUsd(estimate.costUsd)}, over its cap of ${formatUsd(maxCostUsd)} (--max-cost): not submitted` });
        return;
      }
      plans.push(plan);
      money.set(plan, { estimate, maxCostUsd });
    } catch (error) {
      failures.push({ source: book.source, reason: coerceError(error).message });
    }
  });

  const producer = new FlowProducer({ connection, prefix: bullPrefix(config.prefix) });
  try {
    for (const plan of plans) {
      const m = money.get(plan)!;
      const notify = options.notify ?? config.webhookUrl;
      // The record (with the plan, so a retry needs no source file) goes in before the jobs any worker could take.
      await createBookRecord(connection, config.prefix, plan, {
        estimateUsd: Number(m.estimate.costUsd.toFixed(6)),
        ...(m.maxCostUsd === undefined ? {} : { maxCostUsd: m.maxCostUsd }),
        ...(notify === undefined ? {} : { notify }),
      });
      await producer.add(buildFlow(plan, bullPrefix(config.prefix), { attempts: config.maxAttempts, backoffMs: config.backoffMs }));
    }
  } finally {
    await producer.close();
  }
  return {
    books: plans.map((p) => ({
      bookId: p.finalize.bookId,
      title: p.finalize.title,
      chunks: p.synthesize.length,
      chapters: p.finalize.chapters.length,
      output: `${p.finalize.outDir}/${p.finalize.slug}.${p.finalize.format}`,
      estimate: money.get(p)!.estimate,
    })),
    failures,
  };
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
