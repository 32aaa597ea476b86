import type { RedisConnection as Redis } from '../queue/connection.js';
import type { Narrator, NarrationRequest, NarrationResult } from '../providers/narrator.js';
import { bookKeys, markChunkDone } from '../queue/book-record.js';
import type { SynthesizeResult } from '../contracts/job-data.js';
import { callCostUsd } from './call-cost.js';
import { msToNextUtcDay, utcDay } from './daily-spend.js';
import { DAY_SPEND_TTL_S, spendKeys } from '../queue/keys.js';
import { pricesFor, type PriceTable } from './prices.js';
import { BookStoppedError, DailyBudgetSpentError } from './spend-errors.js';

/** How long a chunk held back by the daily budget waits before it looks again (at most: midnight UTC comes first). */
export const DAILY_BUDGET_RECHECK_MS = 60_000;

/**
 * Adds a call's cost to its book and stops the book when it reaches its cap, in one script so
 * concurrent calls of one book cannot both slip under the cap. The day's and the fleet's spend are
 * fleet keys, in another slot than the book's shard on a Cluster: CHARGE_FLEET adds them.
 * Returns {book's cost, 1 when this call moved the book to over-budget}.
 */
const CHARGE = `
local cost = redis.call('HINCRBYFLOAT', KEYS[1], 'costUsd', ARGV[1])
local cap = redis.call('HGET', KEYS[1], 'maxCostUsd')
local state = redis.call('HGET', KEYS[1], 'state')
if cap and tonumber(cost) >= tonumber(cap) and (state == 'queued' or state == 'narrating' or state == 'finalizing') then
  redis.call('HSET', KEYS[1], 'state', 'over-budget', 'updatedAt', ARGV[2], 'reason',
    string.format('spent $%.4f, reaching its cap of $%s (--max-cost); raise it with narrate retry <bookId> --max-cost N', tonumber(cost), cap))
  return {cost, 1}
end
return {cost, 0}
`;

/** Adds a call's cost to the day (kept ARGV[2] seconds) and to the fleet's totals. */
const CHARGE_FLEET = `
redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('HINCRBYFLOAT', KEYS[2], 'costUsd', ARGV[1])
return 1
`;

/** What a book's calls are checked against and charged to. */
export interface BookLedgerOptions {
  prefix: string;
  prices: PriceTable;
  /** NARRATE_DAILY_BUDGET in dollars; undefined for none. */
  dailyBudgetUsd?: number;
  /** Called once when a call's cost moves its book to over-budget (e.g. to notify). */
  onOverBudget?: (bookId: string) => void;
  /** Called when a call could not be charged (Redis unreachable): the reading is kept, the charge is lost. */
  onChargeError?: (bookId: string, error: unknown) => void;
  /** Called with the dollars of each call charged (the worker's metrics). */
  onCharged?: (usd: number) => void;
}

/**
 * Money at the model's door: before each call, is the book still wanted and is there budget left
 * today; after it, what it cost. One round trip each way.
 */
export class BookLedger {
  constructor(
    private readonly redis: Redis,
    readonly options: BookLedgerOptions,
  ) {}

  /** Throws BookStoppedError (cancelled, over budget) or DailyBudgetSpentError (wait) instead of letting a call go out. */
  async admit(bookId: string): Promise<void> {
    const now = new Date();
    const keys = bookKeys(this.options.prefix, bookId);
    const [fields, today] = await Promise.all([this.redis.hmget(keys.record, 'state', 'reason'), this.options.dailyBudgetUsd === undefined ? null : this.redis.get(spendKeys(this.options.prefix, utcDay(now)).day)]);
    const [state, reason] = fields;
    if (state === 'cancelled' || state === 'over-budget') {
      throw new BookStoppedError(`book ${bookId} is ${state}${reason ? `: ${reason}` : ''}`);
    }
    const budget = this.options.dailyBudgetUsd;
    if (budget !== undefined && Number(today ?? 0) >= budget) {
      throw new DailyBudgetSpentError(
        `NARRATE_DAILY_BUDGET=$${budget} is spent for ${utcDay(now)} (UTC): waiting`,
        Math.min(DAILY_BUDGET_RECHECK_MS, msToNextUtcDay(now) + 1_000),
      );
    }
  }

  /** Charges a call's cost to its book, the day and the fleet; answers the dollars it cost. */
  async charge(bookId: string, model: string, usage: NarrationResult['usage']): Promise<number> {
    const usd = callCostUsd(usage, pricesFor(this.options.prices, model));
    if (usd <= 0) return 0;
    const keys = bookKeys(this.options.prefix, bookId);
    const spend = spendKeys(this.options.prefix);
    const [reply] = (await Promise.all([
      this.redis.eval(CHARGE, 1, keys.record, usd.toFixed(9), new Date().toISOString()),
      this.redis.eval(CHARGE_FLEET, 2, spend.day, spend.fleet, usd.toFixed(9), DAY_SPEND_TTL_S),
    ])) as [[string, number], number];
    if (reply[1] === 1) this.options.onOverBudget?.(bookId);
    this.options.onCharged?.(usd);
    return usd;
  }

  /** A chunk is done: marks it in its book's record, with what its rejected readings cost (the price of fidelity). */
  async chunkDone(bookId: string, result: SynthesizeResult): Promise<void> {
    const rejected = { costUsd: result.rejectedCostUsd ?? 0, readings: result.rejections.length };
    await markChunkDone(this.redis, this.options.prefix, bookId, result.index, rejected);
    if (rejected.costUsd > 0) await this.redis.hincrbyfloat(spendKeys(this.options.prefix).fleet, 'rejectedCostUsd', rejected.costUsd.toFixed(9));
  }

  /** Dollars a call with this usage costs on `model`. */
  costOf(model: string, usage: NarrationResult['usage']): number {
    return callCostUsd(usage, pricesFor(this.options.prices, model));
  }

  /** The narrator as one book's chunk sees it: every call admitted first and charged after. */
  guard(narrator: Narrator, bookId: string): Narrator {
    const guarded: Narrator = {
      name: narrator.name,
      model: narrator.model,
      narrate: async (request: NarrationRequest) => {
        await this.admit(bookId);
        const result = await narrator.narrate(request);
        // The reading is bought: losing it over a missed charge would cost more than the charge.
        await this.charge(bookId, narrator.model, result.usage).catch((error: unknown) => this.options.onChargeError?.(bookId, error));
        return result;
      },
    };
    if (narrator.reservedTokens) guarded.reservedTokens = (r) => narrator.reservedTokens!(r);
    return guarded;
  }
}
