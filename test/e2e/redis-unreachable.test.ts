/**
 * Redis that does not answer: every command stops within a few seconds with exit 2 and a message
 * naming where it looked (never the password) and why; a worker waits, says so, and goes on once
 * Redis is there. A private port nobody listens on, then a private redis-server on it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_CONNECT_TIMEOUT_MS } from '../../src/queue/connection.js';
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
    // (after connectRedis's REDIS_CONNECT_TIMEOUT_MS; node's start-up on a loaded machine is the rest).
    const results = await Promise.all(commands.map((args) => runCli(args, env, { timeoutMs: 90_000 })));
    for (const [i, result] of results.entries()) {
      const what = `narrate ${commands[i]!.join(' ')}: ${result.stderr}`;
      expect(result.code, what).toBe(2);
      expect(result.stderr, what).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${redis.port} (REDIS_URL)`);
      expect(result.stderr, what).toMatch(/ECONNREFUSED/);
      expect(result.stderr + result.stdout, what).not.toContain('topsecret');
    }
  });

  it('`narrate submit` gives up by itself after retrying for connectRedis\'s timeout, exit 2, naming the URL, the cause and its wait', async () => {
    const timeoutS = REDIS_CONNECT_TIMEOUT_MS / 1000;
    const started = Date.now();
    const result = await runCli(['submit', book.path, '--out', join(dir, 'out')], env, { timeoutMs: 90_000 });
    const elapsedMs = Date.now() - started;
    const what = `narrate submit (${elapsedMs} ms): ${result.stderr}`;
    // Exit 2 is the command giving up by itself (a killed one reports null).
    expect(result.code, what).toBe(2);
    expect(result.stderr, what).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${redis.port} (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${redis.port} (`);
    // How long it waited, as the command itself measured it from its first connection attempt: the
    // timeout, not node's start-up on a loaded machine (which the wall clock below includes). It kept
    // trying (ioredis reconnects every 0.2-2 s), and stopped at the timeout, not much later.
    const [, attempts, waitedS] = /\((\d+) connection attempts? in (\d+\.\d) s\)/.exec(result.stderr) ?? [];
    expect(Number(attempts), what).toBeGreaterThanOrEqual(2);
    expect(Number(waitedS), what).toBeGreaterThanOrEqual(timeoutS - 0.1);
    expect(Number(waitedS), what).toBeLessThan(timeoutS + 2);
    // A generous bound on the whole command, start-up included: it did not hang on after giving up.
    expect(elapsedMs, what).toBeLessThan(REDIS_CONNECT_TIMEOUT_MS * 6);
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
