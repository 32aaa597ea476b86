import { FlowProducer } from 'bullmq';
import type { RedisConnection as Redis } from '../queue/connection.js';
import type { Config } from '../config.js';
import { buildFlow } from '../queue/build-flow.js';
import { createBookRecord } from '../queue/book-record.js';
import { estimateCost, formatUsd, type CostEstimate } from '../money/estimate-cost.js';
import { loadPrices, pricesFor } from '../money/prices.js';
import { callCostUsd } from '../money/call-cost.js';
import { narratorIdentity } from '../providers/narrator-identity.js';
import { chunkSegmentKey } from '../providers/chunk-segment-key.js';
import { bookShardPrefix, bullPrefix } from '../queue/keys.js';
import type { BookPlan } from '../contracts/book-plan.js';
import { prepareBooks, type SlugClaims, type SubmitOptions } from './prepare-books.js';
import { claimSlug, releaseSlug } from '../queue/slug-claims.js';
import { redisAttributionCache } from '../cast/redis-attribution-cache.js';

export type { SubmitOptions } from './prepare-books.js';

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

/** What a submission did: books queued, and inputs refused, each with its reason. */
export interface Submission {
  books: SubmittedBook[];
  failures: { source: string; reason: string }[];
  /** Said to the user, not fatal: a guessed language, a missing offline voice. */
  warnings: string[];
}

/**
 * Plans every book the way `narrate plan` shows it (prepareBooks), refuses any whose estimate exceeds
 * its cap, and enqueues each one's record and flow. A bad file is reported by name and the other books still go in.
 */
export async function submitBooks(inputs: string[], options: SubmitOptions, config: Config, connection: Redis): Promise<Submission> {
  // A bad NARRATE_PRICES stops the submit before a book is read. The same estimate `narrate plan`
  // prints, for the same endpoint and model.
  const provider = config.provider === 'speech' ? 'speech' : 'chat-audio';
  const table = loadPrices(config.pricesFile);
  const prices = pricesFor(table, config.model, provider);
  const prepared = await prepareBooks(inputs, options, config, { claims: slugClaims(connection, config.prefix), attributionCache: redisAttributionCache(connection, config.prefix) });
  const { failures, warnings } = prepared;
  const plans: BookPlan[] = [];
  const money = new Map<BookPlan, { estimate: CostEstimate; maxCostUsd: number | undefined }>();
  for (const { source, plan, maxCost, cast } of prepared.books) {
    const estimate = estimateCost(plan.synthesize, prices, { provider, model: config.model });
    // The cast's attribution calls were made just now: what they cost is part of the book's price, and of its cap.
    if (cast !== undefined && cast.calls > 0) {
      const usage = { promptTokens: cast.usage.promptTokens, completionTokens: cast.usage.completionTokens, totalTokens: cast.usage.promptTokens + cast.usage.completionTokens, textOutputTokens: cast.usage.completionTokens };
      estimate.costUsd += callCostUsd(usage, pricesFor(table, config.castModel));
      estimate.calls += cast.calls;
    }
    const maxCostUsd = options.maxCostUsd ?? maxCost;
    // Refused before anything reaches Redis: no model call is ever made for it.
    if (maxCostUsd !== undefined && estimate.costUsd > maxCostUsd) {
      await releaseSlug(connection, config.prefix, plan.finalize.outDir, plan.finalize.slug, plan.finalize.bookId);
      failures.push({ source, reason: `"${plan.finalize.title}" is estimated at ${formatUsd(estimate.costUsd)}, over its cap of ${formatUsd(maxCostUsd)} (--max-cost): not submitted` });
      continue;
    }
    plans.push(plan);
    money.set(plan, { estimate, maxCostUsd });
  }

  // Each job of a flow names its own prefix (buildFlow): one producer adds books of every shard.
  const producer = new FlowProducer({ connection, prefix: bullPrefix(config.prefix) });
  // The segments each book will look up, as this host's narrator settings name them: held from now
  // on, so a prune while the book waits in the queue keeps what it will reuse (its workers record
  // the keys they actually use as they go, whatever their settings).
  const reader = narratorIdentity(config);
  let recorded = 0;
  try {
    for (const plan of plans) {
      const m = money.get(plan)!;
      const notify = options.notify ?? config.webhookUrl;
      // The record (with the plan, so a retry needs no source file) goes in before the jobs any worker could take.
      await createBookRecord(connection, config.prefix, plan, {
        estimateUsd: Number(m.estimate.costUsd.toFixed(6)),
        ...(m.maxCostUsd === undefined ? {} : { maxCostUsd: m.maxCostUsd }),
        ...(notify === undefined ? {} : { notify }),
        segmentKeys: [...new Set(plan.synthesize.map((chunk) => chunkSegmentKey(chunk, reader)))],
      });
      recorded++;
      // The whole flow in the book's shard: a Cluster keeps a flow's keys in one slot.
      await producer.add(buildFlow(plan, bookShardPrefix(config.prefix, plan.finalize.bookId), { attempts: config.maxAttempts, backoffMs: config.backoffMs }));
    }
  } catch (error) {
    // Books never recorded give their slugs back; a recorded one keeps its own (its record stays for `narrate retry` or `clean`).
    for (const plan of plans.slice(recorded)) await releaseSlug(connection, config.prefix, plan.finalize.outDir, plan.finalize.slug, plan.finalize.bookId).catch(() => undefined);
    throw error;
  } finally {
    await producer.close();
  }
  return {
    books: plans.map((p) => ({
      bookId: p.finalize.bookId,
      title: p.finalize.title,
      chunks: p.synthesize.length,
      chapters: p.finalize.chapters.length,
      output: `${p.finalize.outDir.replace(/\/+$/, '')}/${p.finalize.slug}.${p.finalize.format}`,
      estimate: money.get(p)!.estimate,
      language: p.finalize.language,
    })),
    failures,
    warnings,
  };
}

/** Slugs taken in this deployment's Redis. */
function slugClaims(connection: Redis, prefix: string): SlugClaims {
  return {
    claim: (outDir, slug, holder) => claimSlug(connection, prefix, outDir, slug, holder),
    release: (outDir, slug, bookId) => releaseSlug(connection, prefix, outDir, slug, bookId),
  };
}
