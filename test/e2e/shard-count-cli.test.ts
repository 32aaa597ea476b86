/**
 * Every process of a fleet must spread books over the same NARRATE_SHARDS: once books are queued
 * under one count, submit, status, the worker and the dashboard started with another stop with
 * exit 2 and say which count the fleet's Redis holds; with no book left, the fleet takes a new one.
 * Real Redis, the real CLI.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedis } from '../../src/queue/connection.js';
import { fleetShardsKey, shardPrefixes } from '../../src/queue/keys.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { submitWithCli, writeParagraphBook } from '../helpers/paragraph-book.js';
import { runCli } from '../helpers/run-cli.js';
import { killAllSpawned, spawnProcess } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';

describe('NARRATE_SHARDS is one value for the whole fleet', () => {
  let dir: string;
  const prefix = testPrefix('e2e-shard-count');
  const env = { NARRATE_PREFIX: prefix, NARRATE_SHARDS: '2', NARRATE_LOG_LEVEL: 'warn' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-shard-count-'));
    Object.assign(env, { NARRATE_STORE_DIR: join(dir, 'segments') });
  });

  afterAll(async () => {
    await killAllSpawned();
    const redis = openRedis('redis://127.0.0.1:6379');
    for (const tag of new Set([...shardPrefixes(prefix, 1), ...shardPrefixes(prefix, 2), ...shardPrefixes(prefix, 3)])) await obliterateQueues(redis, tag).catch(() => undefined);
    await redis.quit();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses another count while books are queued, in every command, and takes a new one once they are gone', async () => {
    const book = await writeParagraphBook(dir, 'two-shards', 2);
    const queued = await submitWithCli(book, join(dir, 'out'), env);
    const expected = `NARRATE_SHARDS=1, but the books under prefix "${prefix}" are spread over 2 shard(s) (1 book(s) in Redis): set NARRATE_SHARDS=2 on every process of this fleet`;

    const status = await runCli(['status'], { ...env, NARRATE_SHARDS: '1' });
    expect(status.code).toBe(2);
    expect(status.stderr).toContain(expected);

    const submit = await runCli(['submit', book.path, '--out', join(dir, 'out'), '--max-chars', String(book.maxChars)], { ...env, NARRATE_SHARDS: '3' });
    expect(submit.code).toBe(2);
    expect(submit.stderr).toContain('NARRATE_SHARDS=3, but the books');

    const worker = spawnProcess(process.execPath, [join(process.cwd(), 'bin/narrate.js'), 'worker'], { ...env, NARRATE_SHARDS: '1' });
    expect((await worker.waitForExit(30_000))?.code, worker.output()).toBe(2);
    expect(worker.output()).toContain(expected);

    const dashboard = spawnProcess(process.execPath, [join(process.cwd(), 'bin/narrate.js'), 'dashboard', '--port', '0'], { ...env, NARRATE_SHARDS: '1' });
    expect((await dashboard.waitForExit(30_000))?.code, dashboard.output()).toBe(2);
    expect(dashboard.output()).toContain(expected);

    // The right count still works, and finds the book in its shard.
    const right = await runCli(['status', queued.bookId], env);
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toContain(`${queued.bookId}\tqueued\t0/2 chunks`);

    // No book left: the fleet takes the new count (1 is the absence of the record).
    const purge = await runCli(['cancel', queued.bookId, '--purge'], env);
    expect(purge.code, purge.stderr).toBe(0);
    const list = await runCli(['list'], { ...env, NARRATE_SHARDS: '1' });
    expect(list.code, list.stderr).toBe(0);
    const redis = openRedis('redis://127.0.0.1:6379');
    try {
      expect(await redis.get(fleetShardsKey(prefix))).toBeNull();
    } finally {
      await redis.quit();
    }
  }, 180_000);
});
