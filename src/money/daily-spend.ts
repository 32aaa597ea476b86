import type { RedisConnection as Redis } from '../queue/connection.js';
import { spendKeys } from '../queue/keys.js';
import { formatUsd } from './estimate-cost.js';

/** The UTC day of `at`, as YYYY-MM-DD: the unit NARRATE_DAILY_BUDGET is counted in. */
export function utcDay(at: Date = new Date()): string {
  return at.toISOString().slice(0, 10);
}

/** Milliseconds from `at` to the next 00:00 UTC. */
export function msToNextUtcDay(at: Date = new Date()): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1);
  return next - at.getTime();
}

/** What the fleet spent: today (UTC) and since the deployment began, in dollars. */
export interface FleetSpend {
  day: string;
  todayUsd: number;
  totalUsd: number;
  rejectedUsd: number;
}

/** Reads the fleet's spend from Redis. */
export async function readFleetSpend(redis: Redis, prefix: string, at: Date = new Date()): Promise<FleetSpend> {
  const day = utcDay(at);
  const keys = spendKeys(prefix, day);
  const [today, fleet] = await Promise.all([redis.get(keys.day), redis.hmget(keys.fleet, 'costUsd', 'rejectedCostUsd')]);
  return { day, todayUsd: Number(today ?? 0), totalUsd: Number(fleet[0] ?? 0), rejectedUsd: Number(fleet[1] ?? 0) };
}

/** How the fleet stands against NARRATE_DAILY_BUDGET: undefined when there is no budget or it is not spent. */
export function dailyBudgetMessage(spend: FleetSpend, budgetUsd: number | undefined, at: Date = new Date()): string | undefined {
  if (budgetUsd === undefined || spend.todayUsd < budgetUsd) return undefined;
  const hours = (msToNextUtcDay(at) / 3_600_000).toFixed(1);
  return `daily budget spent: ${formatUsd(spend.todayUsd)} of NARRATE_DAILY_BUDGET=$${budgetUsd} on ${spend.day} (UTC); workers make no model call until 00:00 UTC (in ${hours} h) or a raised budget, and books wait`;
}
