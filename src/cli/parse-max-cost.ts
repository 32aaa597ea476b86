import { UsageError } from '../errors.js';

/** Reads --max-cost: a positive number of US dollars, or a UsageError naming the flag and what it got. */
export function parseMaxCost(raw: string): number {
  const text = raw.trim().replace(/^\$/, '');
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0) || !Number.isFinite(n)) {
    throw new UsageError(`--max-cost: expected a positive number of US dollars, got "${raw}"`);
  }
  return n;
}
