/**
 * Redis that does not answer: every command stops within a few seconds with exit 2 and a message
 * naming where it looked (never the password) and why; a worker waits, says so, and goes on once
 * Redis is there. A private port nobody listens on, then a private redis-server on it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeParagraphBook, type ParagraphBook } from '../helpers/paragraph-book.js';
import { privateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { runCli } from '../helpers/run-cli.js';
import { killAllSpawned, spawnWorker } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

describe('an unreachable Redis', () => {
  const prefix = testPrefix('e2e-unreachable');
  let dir: string;
  let book: ParagraphBook;
  let redis: PrivateRedis;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-unreachable-'));
    book = await writeParagraphBook(dir, 'unreachable-book', 3);
    // A free port with nothing on it (yet): the worker test starts Redis there later.
    redis = await privateRedis(join(dir, 'redis'));
    env = {
      REDIS_URL: `redis://:topsecret@127.0.0.1:${redis.port}`,
      NARRATE_PREFIX: prefix,
      NARRATE_STORE_DIR: join(dir, 'segments'),
      NARRATE_LOG_LEVEL: 'info',
    };
  });

  afterAll(async () => {
    await killAllSpawned();
    await redis?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('`narrate run`, `submit`, `status`, `status <bookId>` and `dashboard` fail by themselves, exit 2, naming the URL and the cause', async () => {
    const commands = [
      ['run', book.path, '--out', join(dir, 'out'), '--format', 'wav'],
      ['submit', book.path, '--out', join(dir, 'out')],
      ['status'],
      ['status', 'some-book'],
      ['dashboard', '--port', '0'],
    ];
    // A command that hangs is killed at 90 s and reports code null: exit 2 means it gave up by itself
    // (after connectRedis's 5 s; node's start-up on a loaded machine is the rest).
    const results = await Promise.all(commands.map((args) => runCli(args, env, { timeoutMs: 90_000 })));
    for (const [i, result] of results.entries()) {
      const what = `narrate ${commands[i]!.join(' ')}: ${result.stderr}`;
      expect(result.code, what).toBe(2);
      expect(result.stderr, what).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${redis.port} (REDIS_URL)`);
      expect(result.stderr, what).toMatch(/ECONNREFUSED/);
      expect(result.stderr + result.stdout, what).not.toContain('topsecret');
    }
  });

  it('`narrate submit` alone gives up within 10 s (connectRedis waits 5), exit 2, naming the URL and the cause', async () => {
    // Timed alone: the five commands above start at once on a shared 2-core machine, where node's
    // start-up alone can take seconds; here the bound is about the command, not the machine's load.
    const started = Date.now();
    const result = await runCli(['submit', book.path, '--out', join(dir, 'out')], env, { timeoutMs: 90_000 });
    const elapsedMs = Date.now() - started;
    const what = `narrate submit (${elapsedMs} ms): ${result.stderr}`;
    expect(result.code, what).toBe(2);
    expect(elapsedMs, what).toBeLessThan(10_000);
    expect(result.stderr, what).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${redis.port} (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${redis.port}`);
  });

  it('a worker keeps retrying, says it is waiting, and works once Redis is up', async () => {
    const worker = spawnWorker(env);
    await waitUntil('the worker to log that it waits for Redis', () => worker.output().includes('waiting for Redis at redis://:***@127.0.0.1'), {
      timeoutMs: 20_000,
      describe: () => worker.output().slice(-2_000),
    });
    expect(worker.output()).not.toContain('topsecret');
    expect(worker.output()).toMatch(/ECONNREFUSED/);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(worker.running(), worker.output().slice(-2_000)).toBe(true);

    await redis.start();
    await waitUntil('the worker to connect', () => worker.output().includes('connected to Redis at'), {
      timeoutMs: 20_000,
      describe: () => worker.output().slice(-2_000),
    });
    // Redis has no password here, so the URL's is refused... unless we give it one: it must
    // connect with the URL as configured, so the server is started without requirepass and
    // ioredis's AUTH against a passwordless server is tolerated with a warning.
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(15_000);
    expect(exit?.code, worker.output().slice(-2_000)).toBe(0);
  });
});
