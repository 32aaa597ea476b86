import { readFile } from 'node:fs/promises';
import type { RedisConnection as Redis } from '../queue/connection.js';
import type { Config } from '../config.js';
import { InputError } from '../errors.js';
import { addBookRecord, fleetSpendAfterRecord, submittedBook } from '../queue/book-record.js';
import { estimateCost, formatUsd, type CostEstimate } from '../money/estimate-cost.js';
import { loadPrices, pricesFor } from '../money/prices.js';
import { callCostUsd } from '../money/call-cost.js';
import { narratorIdentity } from '../providers/narrator-identity.js';
import { chunkSegmentKey } from '../providers/chunk-segment-key.js';
import { bookAdmitKey } from '../queue/keys.js';
import type { BookPlan } from '../contracts/book-plan.js';
import type { SegmentStore } from '../store/segment-store.js';
import { openSegmentStore } from '../store/open-segment-store.js';
import { expandInputs } from './expand-inputs.js';
import type { LoadedBook } from './load-book.js';
import { prepareBooks, type SlugClaims, type SubmitOptions } from './prepare-books.js';
import { storeBookPlan } from './store-book-plan.js';
import { submissionIdentity } from './submission-identity.js';
import { claimSlug, releaseSlug } from '../queue/slug-claims.js';
import { addFleetSpend } from '../queue/fleet-spend.js';
import { redisAttributionCache } from '../cast/redis-attribution-cache.js';

export type { SubmitOptions } from './prepare-books.js';

/** Books read and planned at a time: a library is streamed through, never held whole in memory. */
export const SUBMIT_BATCH = 32;

/** A book now in the queue. */
export interface SubmittedBook {
  bookId: string;
  title: string;
  chunks: number;
  chapters: number;
  output: string;
  /** What the book is expected to cost (see estimateCost). */
  estimate: CostEstimate;
  /** The book's language (BCP 47). */
  language: string;
}

/** What a submission did: books queued, books an earlier submit had queued, and inputs refused, each with its reason. */
export interface Submission {
  /** The books queued (none kept when the progress says `keep: false`: see `counts`). */
  books: SubmittedBook[];
  /** How many books went in, and how many were already queued: counted whether or not they are kept. */
  counts: { queued: number; skipped: number };
  /** Already queued by an earlier submit of the same source and settings: not queued again. */
  skipped: { source: string; bookId: string }[];
  failures: { source: string; reason: string }[];
  /** Said to the user, not fatal: a guessed language, a missing offline voice. */
  warnings: string[];
}

/** Told about each book as it goes in (a library's submit reports as it goes, not at the end). */
export interface SubmitProgress {
  queued?(book: SubmittedBook): void;
  skipped?(book: { source: string; bookId: string }): void;
  /**
   * Keep each book in Submission.books and .skipped (default true). `narrate submit`, which reports
   * each book as it goes, keeps none: a library's memory then stays flat, whatever its size.
   */
  keep?: boolean;
}

/**
 * Reads and plans the inputs a few books at a time (prepareBooks, as `narrate plan` shows them),
 * refuses any whose estimate exceeds its cap, and queues each book on its own: its texts go to the
 * store, then its record, holds, submission marker and flow go to Redis in one MULTI, so an
 * interrupted submit (Ctrl-C, a kill) leaves every book queued whole or not at all. A book already
 * queued from the same source and settings is skipped, so running the same submit again queues
 * only the books that are missing. A bad file is reported by name and the other books still go in.
 */
export async function submitBooks(inputs: string[], options: SubmitOptions, config: Config, connection: Redis, progress: SubmitProgress = {}): Promise<Submission> {
  // A bad NARRATE_PRICES stops the submit before a book is read. The same estimate `narrate plan`
  // prints, for the same endpoint and model.
  const provider = config.provider === 'speech' ? 'speech' : 'chat-audio';
  const table = loadPrices(config.pricesFile);
  const prices = pricesFor(table, config.model, provider);
  const expanded = await expandInputs(inputs);
  if (options.title !== undefined && expanded.paths.length > 1) {
    throw new InputError(`--title names one book, but the inputs hold ${expanded.paths.length}`);
  }
  const keep = progress.keep !== false;
  const submission: Submission = { books: [], counts: { queued: 0, skipped: 0 }, skipped: [], failures: expanded.failures.map((f) => ({ source: f.source, reason: f.error.message })), warnings: [] };
  const store = openSegmentStore(config);
  // The segments each book will look up, as this host's narrator settings name them: held from now
  // on, so a prune while the book waits in the queue keeps what it will reuse (its workers record
  // the keys they actually use as they go, whatever their settings).
  const reader = narratorIdentity(config);
  const identities = new Map<LoadedBook, string>();
  // The output is listed once for the whole submit, not once per batch (see PrepareMode.listings).
  const listings = new Map<string, ReadonlySet<string>>();
  const queued = async (book: LoadedBook): Promise<string | undefined> => {
    const identity = await submissionIdentity(book, options, config, (path) => readFile(path));
    identities.set(book, identity);
    return submittedBook(connection, config.prefix, identity);
  };
  try {
    for (let from = 0; from < expanded.paths.length; from += SUBMIT_BATCH) {
      const batch = expanded.paths.slice(from, from + SUBMIT_BATCH);
      const prepared = await prepareBooks(batch, options, config, { claims: slugClaims(connection, config.prefix), queued, attributionCache: redisAttributionCache(connection, config.prefix), listings });
      submission.failures.push(...prepared.failures);
      submission.warnings.push(...prepared.warnings);
      for (const s of prepared.skipped) {
        submission.counts.skipped++;
        if (keep) submission.skipped.push(s);
        progress.skipped?.(s);
      }
      // Each book of the batch goes in on its own MULTI; they are sent together (their round trips
      // overlap: one connection, applied in order) and reported in input order once in.
      const going: { book: SubmittedBook; finalize: BookPlan['finalize']; queuing: Promise<void> }[] = [];
      for (const { source, plan, maxCost, loaded, cast } of prepared.books) {
        const f = plan.finalize;
        const estimate = estimateCost(plan.synthesize, prices, { provider, model: config.model });
        // The cast's attribution calls were made just now: what they cost is part of the book's price, and
        // of its cap; the book's record is charged with it (addBookRecord), and the manifest shows it.
        if (cast !== undefined && cast.by === 'model') {
          const usage = { promptTokens: cast.usage.promptTokens, completionTokens: cast.usage.completionTokens, totalTokens: cast.usage.promptTokens + cast.usage.completionTokens, textOutputTokens: cast.usage.completionTokens };
          const costUsd = Number(callCostUsd(usage, pricesFor(table, config.castModel)).toFixed(9));
          estimate.costUsd += costUsd;
          estimate.calls += cast.calls;
          f.castCost = { model: config.castModel, calls: cast.calls, cachedChapters: cast.cached, usage: { ...cast.usage }, costUsd };
        }
        const maxCostUsd = options.maxCostUsd ?? maxCost;
        // Refused before anything reaches Redis: no model call is ever made for it.
        if (maxCostUsd !== undefined && estimate.costUsd > maxCostUsd) {
          await releaseSlug(connection, config.prefix, f.outDir, f.slug, f.bookId);
          // Its attribution is bought all the same (and cached, so a resubmit asks again for nothing): the day and the fleet count it.
          const castUsd = f.castCost?.costUsd ?? 0;
          if (castUsd > 0) await addFleetSpend(connection.multi(), config.prefix, castUsd).exec();
          const paid = castUsd > 0 ? `; the attribution of its dialogue cost ${formatUsd(castUsd)}, counted in today's spend` : '';
          submission.failures.push({ source, reason: `"${f.title}" is estimated at ${formatUsd(estimate.costUsd)}, over its cap of ${formatUsd(maxCostUsd)} (--max-cost): not submitted${paid}` });
          continue;
        }
        const queuing = queueBook(store, connection, config, {
          plan,
          identity: identities.get(loaded)!,
          estimateUsd: Number(estimate.costUsd.toFixed(6)),
          ...(maxCostUsd === undefined ? {} : { maxCostUsd }),
          ...(f.castCost === undefined ? {} : { castCostUsd: f.castCost.costUsd }),
          ...((options.notify ?? config.webhookUrl) === undefined ? {} : { notify: (options.notify ?? config.webhookUrl)! }),
          segmentKeys: [...new Set(plan.synthesize.map((chunk) => chunkSegmentKey(chunk, reader)))],
        });
        // Awaited below, in order; a rejection is not unhandled meanwhile.
        queuing.catch(() => undefined);
        const book: SubmittedBook = {
          bookId: f.bookId,
          title: f.title,
          chunks: plan.synthesize.length,
          chapters: f.chapters.length,
          output: `${f.outDir.replace(/\/+$/, '')}/${f.slug}.${f.format}`,
          estimate,
          language: f.language ?? 'en',
        };
        going.push({ book, finalize: f, queuing });
      }
      let failed: unknown;
      for (const { book, finalize: f, queuing } of going) {
        try {
          await queuing;
        } catch (error) {
          failed ??= error;
          // A book that did not go in gives its slug back; those that did keep theirs and are reported.
          await releaseSlug(connection, config.prefix, f.outDir, f.slug, f.bookId).catch(() => undefined);
          continue;
        }
        submission.counts.queued++;
        if (keep) submission.books.push(book);
        progress.queued?.(book);
      }
      if (failed !== undefined) throw failed;
      // Those of skipped and refused books too: a batch is through.
      identities.clear();
    }
  } finally {
    await store.close();
  }
  return submission;
}

/**
 * One book into the queue: its texts into the store, then its record, holds, marker and its place
 * in the admission list (admitKey: a worker moves it into BullMQ in turn, see promoteBooks) in one
 * MULTI. Its texts are written again (for a directory store: their time refreshed) once the book
 * holds them, so a prune that took one in between puts nothing out of reach.
 */
async function queueBook(
  store: SegmentStore,
  connection: Redis,
  config: Config,
  book: { plan: BookPlan; identity: string; estimateUsd: number; maxCostUsd?: number; castCostUsd?: number; notify?: string; segmentKeys: string[] },
): Promise<void> {
  const stored = await storeBookPlan(store, book.plan);
  const { plan: _plan, segmentKeys, ...fields } = book;
  // The book's record and its place in its shard's admission list, in one MULTI (one slot in a Cluster).
  const multi = addBookRecord(connection.multi(), config.prefix, stored, { ...fields, segmentKeys: [...segmentKeys, ...stored.objects] });
  multi.rpush(bookAdmitKey(config.prefix, stored.stored.finalize.bookId), stored.stored.finalize.bookId);
  const results = await multi.exec();
  if (!results) throw new Error(`book ${stored.stored.finalize.bookId}: Redis discarded the MULTI that queues it`);
  for (const [error] of results) if (error) throw error;
  await fleetSpendAfterRecord(connection, config.prefix, fields);
  await storeBookPlan(store, book.plan);
}

/** Slugs taken in this deployment's Redis. */
function slugClaims(connection: Redis, prefix: string): SlugClaims {
  return {
    claim: (outDir, slug, holder) => claimSlug(connection, prefix, outDir, slug, holder),
    release: (outDir, slug, bookId) => releaseSlug(connection, prefix, outDir, slug, bookId),
  };
}
