import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBudget, TokenBudgetError } from '../../../src/queue/token-budget.js';
import { testPrefix } from '../../helpers/test-prefix.js';

/** A budget over a 1 s window instead of a minute, so the test can watch it roll. */
const WINDOW_MS = 1_000;

describe('TokenBudget (real Redis)', () => {
  const connections: Redis[] = [];
  const keys: string[] = [];
  let redis: Redis;

  function budget(perWindow: number, key = `{${testPrefix('tpm')}}:tpm`): TokenBudget {
    if (!keys.includes(key)) keys.push(key);
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    connections.push(connection);
    return new TokenBudget(connection, key, perWindow, WINDOW_MS);
  }

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  });
  afterAll(async () => {
    if (keys.length > 0) await redis.del(...keys);
    await Promise.all([redis, ...connections].map((c) => c.quit()));
  });

  it('admits what fits at once and holds the rest until the window has room', async () => {
    const b = budget(100);
    const started = Date.now();
    // "At once" is anything well short of the window: a loaded machine may take a few hundred ms.
    await b.take(60);
    expect(Date.now() - started).toBeLessThan(WINDOW_MS / 2);
    await b.take(40);
    expect(Date.now() - started).toBeLessThan(WINDOW_MS / 2);
    await b.take(30);
    // The first 60 had to leave the window before 30 more fitted.
    expect(Date.now() - started).toBeGreaterThanOrEqual(WINDOW_MS - 50);
  });

  it('is one budget for every worker sharing the key: no window ever holds more than the limit', async () => {
    const key = `{${testPrefix('tpm-fleet')}}:tpm`;
    const workers = [budget(100, key), budget(100, key), budget(100, key)];
    const admitted: { at: number; tokens: number }[] = [];
    const started = Date.now();
    await Promise.all(
      workers.map(async (w) => {
        for (let i = 0; i < 4; i++) {
          await w.take(25);
          admitted.push({ at: Date.now(), tokens: 25 });
        }
      }),
    );
    // 12 × 25 = 300 tokens at 100 a window: at least two windows of waiting.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * WINDOW_MS - 100);
    for (const a of admitted) {
      const inWindow = admitted.filter((b) => b.at <= a.at && b.at > a.at - WINDOW_MS + 50).reduce((n, b) => n + b.tokens, 0);
      expect(inWindow).toBeLessThanOrEqual(100);
    }
  });

  it('refuses at once a request larger than the whole budget, naming NARRATE_TPM', async () => {
    const error = await budget(100).take(101).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenBudgetError);
    expect((error as Error).message).toMatch(/about 101 tokens, more than NARRATE_TPM=100/);
  });

  it('stops waiting when the job is cancelled', async () => {
    const b = budget(10);
    await b.take(10);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('job cancelled')), 100);
    await expect(b.take(5, controller.signal)).rejects.toThrow('job cancelled');
  });
});
