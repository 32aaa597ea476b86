import { Queue } from 'bullmq';
import type { RedisConnection as Redis } from '../queue/connection.js';
import type { Config } from '../config.js';
import { dailyBudgetMessage, readFleetSpend } from '../money/daily-spend.js';
import { formatUsd } from '../money/estimate-cost.js';
import { readBookRecord } from '../queue/book-record.js';
import { SYNTHESIZE_QUEUE } from '../queue/names.js';
import { shardPrefixes } from '../queue/keys.js';
import { printable } from './printable.js';

/** Lines `narrate status` adds about the fleet: spend today and in all, the price of fidelity, why workers wait. */
export async function fleetNotes(redis: Redis, config: Config): Promise<string[]> {
  const spend = await readFleetSpend(redis, config.prefix);
  // Paused when any shard's synthesize queue is (narrate pause pauses them all).
  const paused = (
    await Promise.all(
      shardPrefixes(config.prefix).map((prefix) => {
        const queue = new Queue(SYNTHESIZE_QUEUE, { connection: redis, prefix });
        // Ready before closed: a Queue still starting up would send its set-up commands to a closed connection.
        return queue.waitUntilReady().then(() => queue.isPaused()).finally(() => queue.close());
      }),
    )
  ).some(Boolean);
  const budget = config.dailyBudgetUsd === undefined ? '' : ` of NARRATE_DAILY_BUDGET=${formatUsd(config.dailyBudgetUsd)}`;
  const lines = [
    `spent: ${formatUsd(spend.todayUsd)} today (${spend.day} UTC)${budget}, ${formatUsd(spend.totalUsd)} in all; ${formatUsd(spend.rejectedUsd)} of it on rejected readings (the price of fidelity)`,
  ];
  const spent = dailyBudgetMessage(spend, config.dailyBudgetUsd);
  if (spent) lines.push(`waiting: ${spent}`);
  if (paused) lines.push('paused: the fleet takes no new job (narrate resume)');
  return lines;
}

/** The money line of one book: spent, its cap, its estimate, and what rejected readings cost. */
export async function bookCostLine(redis: Redis, prefix: string, bookId: string): Promise<string | undefined> {
  const r = await readBookRecord(redis, prefix, bookId);
  if (!r) return undefined;
  const cap = r.maxCostUsd === undefined ? '' : ` of a ${formatUsd(r.maxCostUsd)} cap`;
  const est = r.estimateUsd === undefined ? '' : ` (estimated ${formatUsd(r.estimateUsd)})`;
  const why = r.state === 'cancelled' || r.state === 'over-budget' ? `\n  ${r.state}: ${printable(r.reason ?? '')}` : '';
  const cast = r.castCostUsd === undefined ? '' : `\n  cast attribution: ${formatUsd(r.castCostUsd)} (at submit; part of the cost)`;
  return `  cost: ${formatUsd(r.costUsd)}${cap}${est}; rejected readings: ${r.rejectedReadings}, ${formatUsd(r.rejectedCostUsd)} (the price of fidelity)${cast}${why}`;
}
