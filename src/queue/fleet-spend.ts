import type { ChainableCommander } from 'ioredis';
import { DAY_SPEND_TTL_S, spendKeys } from './keys.js';

/**
 * Adds `usd` to today's (UTC) spend and the fleet's, as commands of `multi`: for money spent outside
 * a worker's call (the cast's attribution at submit), which the workers' charge script cannot see.
 */
export function addFleetSpend(multi: ChainableCommander, prefix: string, usd: number): ChainableCommander {
  if (usd <= 0) return multi;
  const spend = spendKeys(prefix);
  return multi.incrbyfloat(spend.day, usd.toFixed(9)).expire(spend.day, DAY_SPEND_TTL_S).hincrbyfloat(spend.fleet, 'costUsd', usd.toFixed(9));
}
