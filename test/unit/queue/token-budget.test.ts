import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../../src/queue/connection.js';
import { TokenBudget, TokenBudgetError } from '../../../src/queue/token-budget.js';
import { testPrefix } from '../../helpers/test-prefix.js';

/** A budget over a 1 s window instead of a minute, so the test can watch it roll. */
const WINDOW_MS = 1_000;

/** One admission as the limiter recorded it: its tokens and Redis's clock (ms) when it was admitted. */
interface Admission {
  member: string;
  tokens: number;
  at: number;
}

/**
 * What the limiter itself said and wrote, never when the test's callbacks ran (a loaded event loop
 * shifts those): each answer of its script (0 = admitted, else ms to wait), and its sorted set read
 * in the same MULTI as each ask, so every admission is seen with Redis's timestamp before any later
 * ask can trim it.
 */
class LimiterLog {
  readonly answers: number[] = [];
  private readonly seen = new Map<string, Admission>();

  /** Each worker's own connection, as a fleet's workers have; closed by close(). */
  private readonly connections: Redis[] = [];

  /** A connection for TokenBudget that runs its script on the real Redis and logs what it did. */
  connection(key: string): RedisConnection {
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    this.connections.push(redis);
    const eval_ = async (...args: (string | number)[]): Promise<unknown> => {
      const [script, numKeys, ...rest] = args;
      const replies = await redis
        .multi()
        .eval(String(script), Number(numKeys), ...rest)
        .zrange(key, 0, -1, 'WITHSCORES')
        .exec();
      const [[evalError, answer], [rangeError, entries]] = replies as [[Error | null, unknown], [Error | null, string[]]];
      if (evalError) throw evalError;
      if (rangeError) throw rangeError;
      this.answers.push(Number(answer));
      for (let i = 0; i + 1 < entries.length; i += 2) {
        const member = entries[i]!;
        if (!this.seen.has(member)) this.seen.set(member, { member, tokens: Number(member.split(':')[0]), at: Number(entries[i + 1]) });
      }
      return answer;
    };
    return { eval: eval_ } as unknown as RedisConnection;
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.quit()));
  }

  /** Every admission, oldest first. */
  admissions(): Admission[] {
    return [...this.seen.values()].sort((a, b) => a.at - b.at);
  }
}

describe('TokenBudget (real Redis)', () => {
  const keys: string[] = [];
  const logs: LimiterLog[] = [];
  let redis: Redis;

  function limiterLog(): LimiterLog {
    const log = new LimiterLog();
    logs.push(log);
    return log;
  }

  function budget(perWindow: number, log: LimiterLog, key = `{${testPrefix('tpm')}}:tpm`): TokenBudget {
    if (!keys.includes(key)) keys.push(key);
    return new TokenBudget(log.connection(key), key, perWindow, WINDOW_MS);
  }

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  });
  afterAll(async () => {
    if (keys.length > 0) await redis.del(...keys);
    await Promise.all([redis.quit(), ...logs.map((l) => l.close())]);
  });

  it('admits what fits at once and holds the rest until the window has room', async () => {
    const log = limiterLog();
    const b = budget(100, log);
    await b.take(60);
    await b.take(40);
    // "At once": each admitted on its first ask.
    expect(log.answers).toEqual([0, 0]);
    await b.take(30);
    // The third was told to wait, then admitted only once the first 60 had left the window (by Redis's clock).
    expect(log.answers[2]).toBeGreaterThan(0);
    expect(log.answers.at(-1)).toBe(0);
    const [first, second, third] = log.admissions();
    expect([first?.tokens, second?.tokens, third?.tokens]).toEqual([60, 40, 30]);
    expect(third!.at - first!.at).toBeGreaterThanOrEqual(WINDOW_MS);
  });

  it('is one budget for every worker sharing the key: no window ever holds more than the limit', async () => {
    const key = `{${testPrefix('tpm-fleet')}}:tpm`;
    const log = limiterLog();
    const workers = [budget(100, log, key), budget(100, log, key), budget(100, log, key)];
    await Promise.all(
      workers.map(async (w) => {
        for (let i = 0; i < 4; i++) await w.take(25);
      }),
    );
    const admitted = log.admissions();
    expect(admitted.map((a) => a.tokens)).toEqual(Array(12).fill(25));
    // 12 × 25 = 300 tokens at 100 a window: the last admitted two whole windows after the first.
    expect(admitted.at(-1)!.at - admitted[0]!.at).toBeGreaterThanOrEqual(2 * WINDOW_MS);
    // The script's window is (now - WINDOW_MS, now]: sum every admission's window as Redis timed it.
    for (const a of admitted) {
      const inWindow = admitted.filter((b) => b.at <= a.at && b.at > a.at - WINDOW_MS).reduce((n, b) => n + b.tokens, 0);
      expect(inWindow, `tokens in the window ending at ${a.at}`).toBeLessThanOrEqual(100);
    }
  });

  it('refuses at once a request larger than the whole budget, naming NARRATE_TPM', async () => {
    const error = await budget(100, limiterLog()).take(101).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenBudgetError);
    expect((error as Error).message).toMatch(/about 101 tokens, more than NARRATE_TPM=100/);
  });

  it('stops waiting when the job is cancelled', async () => {
    const b = budget(10, limiterLog());
    await b.take(10);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('job cancelled')), 100);
    await expect(b.take(5, controller.signal)).rejects.toThrow('job cancelled');
  });
});
