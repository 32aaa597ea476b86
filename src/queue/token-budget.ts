import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection } from './connection.js';
import { NarrateError } from '../errors.js';

/**
 * Admits `tokens` if the window's total stays within the limit, else answers how long to wait.
 * One sorted set per fleet: members "<tokens>:<unique>", scored by when they were admitted,
 * timed by Redis's own clock so workers on machines with skewed clocks agree.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do used = used + tonumber(string.match(entries[i], '^(%d+):')) end
if used + tokens <= limit then
  redis.call('ZADD', KEYS[1], now, tokens .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return 0
end
local need = used + tokens - limit
for i = 1, #entries, 2 do
  need = need - tonumber(string.match(entries[i], '^(%d+):'))
  if need <= 0 then return math.max(1, tonumber(entries[i + 1]) + window - now) end
end
return window
`;

/** A request that could never fit the budget, however long it waited: permanent. */
export class TokenBudgetError extends NarrateError {
  constructor(message: string) {
    super(message, { retryable: false, kind: 'budget' });
  }
}

/**
 * NARRATE_TPM: a tokens-per-minute budget shared by every worker of the fleet through Redis, over
 * a sliding minute as the provider counts it. A call takes what the provider will count for it
 * before it is sent (see Narrator.reservedTokens) and waits, in the worker, until the last minute
 * leaves room; RPM and 429s are handled by BullMQ's limiter and pauses as before.
 */
export class TokenBudget {
  constructor(
    private readonly redis: RedisConnection,
    private readonly key: string,
    readonly perMinute: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Resolves once `tokens` are admitted; rejects with the signal's reason if aborted while waiting. */
  async take(tokens: number, signal?: AbortSignal): Promise<void> {
    if (tokens > this.perMinute) {
      throw new TokenBudgetError(
        `a request of this chunk counts about ${tokens} tokens, more than NARRATE_TPM=${this.perMinute} allows in a minute: raise NARRATE_TPM or lower --max-chars`,
      );
    }
    const member = randomBytes(8).toString('hex');
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = Number(await this.redis.eval(TAKE, 1, this.key, this.windowMs, this.perMinute, tokens, member));
      if (waitMs === 0) return;
      // Re-ask at least every 5 s: other workers' calls may have been counted meanwhile.
      await sleep(Math.min(waitMs, 5_000), undefined, signal ? { signal } : {}).catch((error: unknown) => {
        signal?.throwIfAborted();
        throw error;
      });
    }
  }
}

