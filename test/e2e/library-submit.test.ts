/**
 * A library queued at once, against private redis-servers (nothing else counts, and policies can be
 * changed): chunk texts stay out of Redis and a worker reads them from the store, a prune keeps the
 * texts of books still in Redis, a submit killed half way leaves no half-queued book and its rerun
 * queues each missing book exactly once, and a worker refuses a Redis that evicts keys.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeParagraphBook } from '../helpers/paragraph-book.js';
import { privateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { runCli } from '../helpers/run-cli.js';
import { killAllSpawned, spawnProcess, spawnWorker } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const BIN = new URL('../../bin/narrate.js', import.meta.url).pathname;

describe('a library submit', () => {
  let dir: string;
  let server: PrivateRedis;
  let redis: Redis;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-library-'));
    await mkdir(join(dir, 'redis'));
    server = await privateRedis(join(dir, 'redis'));
    await server.start();
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    await killAllSpawned();
    redis?.disconnect();
    await server?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const envFor = (prefix: string, extra: Record<string, string> = {}) => ({
    REDIS_URL: server.url,
    NARRATE_PREFIX: prefix,
    NARRATE_STORE_DIR: join(dir, `store-${prefix}`),
    NARRATE_LOG_LEVEL: 'warn',
    ...extra,
  });

  /** Every string value Redis holds under the prefix, joined: what could carry a book's text. */
  async function everythingIn(prefix: string): Promise<string> {
    const parts: string[] = [];
    for (const key of await redis.keys(`{${prefix}}*`)) {
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(...Object.values(await redis.hgetall(key)));
      else if (type === 'set') parts.push(...(await redis.smembers(key)));
      else if (type === 'list') parts.push(...(await redis.lrange(key, 0, -1)));
      else if (type === 'zset') parts.push(...(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
    return parts.join('\n');
  }

  it('keeps chunk texts in the store, out of Redis; a prune keeps them while the book is queued; a worker narrates from them', async () => {
    const prefix = testPrefix('e2e-library-text');
    const book = await writeParagraphBook(dir, 'stored-text', 3);
    const env = envFor(prefix);
    const submit = await runCli(['submit', book.path, '--out', join(dir, 'out-text'), '--format', 'wav', '--max-chars', String(book.maxChars)], env);
    expect(submit.code, submit.stderr).toBe(0);
    const bookId = submit.stdout.split('\t')[0]!;
    // No chunk's words anywhere in Redis; each in the store, as a text object.
    const inRedis = await everythingIn(prefix);
    expect(inRedis).toContain(bookId);
    const texts = join(env.NARRATE_STORE_DIR, 'texts');
    const stored = (await Promise.all((await readdir(texts)).map(async (fan) => Promise.all((await readdir(join(texts, fan))).map((f) => readFile(join(texts, fan, f), 'utf8')))))).flat().join('\n');
    for (const p of book.paragraphs) {
      expect(inRedis).not.toContain(p.slice(0, 40));
      expect(stored).toContain(p);
    }
    // A prune of everything unheld, while the book waits for a worker: its texts stay.
    const prune = await runCli(['store', 'prune', '--older-than', '0s'], env);
    expect(prune.code, prune.stderr).toBe(0);
    const left = (await Promise.all((await readdir(texts)).map(async (fan) => Promise.all((await readdir(join(texts, fan))).map((f) => readFile(join(texts, fan, f), 'utf8')))))).flat().join('\n');
    for (const p of book.paragraphs) expect(left).toContain(p);
    // A worker reads the texts from the store and the book is done, each chunk read as written.
    const worker = spawnWorker(env);
    await waitUntil('the book to be done', async () => (await redis.hget(`{${prefix}}:book:${bookId}`, 'state')) === 'done', { timeoutMs: 120_000, describe: () => worker.output().slice(-2_000) });
    worker.signal('SIGTERM');
    await worker.waitForExit(30_000);
  }, 180_000);

  it('leaves no half-queued book when killed mid-submit, and a rerun queues each missing book exactly once', async () => {
    const prefix = testPrefix('e2e-library-kill');
    const books = join(dir, 'library');
    await mkdir(books);
    const count = 150;
    for (let i = 0; i < count; i++) {
      await writeFile(join(books, `book-${String(i).padStart(3, '0')}.md`), `# Book ${i}\n\n## One\n\nThe keeper of tower ${i} lit the lamp at dusk.\n\n## Two\n\nThe ships of tower ${i} came home at dawn.\n`);
    }
    const env = envFor(prefix);
    const args = [BIN, 'submit', books, '--out', join(dir, 'out-kill'), '--format', 'mp3'];
    const first = spawnProcess(process.execPath, args, env);
    // Killed once some books are in: no chance to clean up anything.
    await waitUntil('some books to be queued', async () => (await redis.zcard(`{${prefix}}:books`)) >= 20, { timeoutMs: 120_000, intervalMs: 20, describe: () => first.output().slice(-2_000) });
    first.signal('SIGKILL');
    const exit = await first.waitForExit(10_000);
    expect(exit?.signal).toBe('SIGKILL');
    const before = await queuedBooks(prefix);
    expect(before.length).toBeGreaterThanOrEqual(20);
    expect(before.length, 'the kill came before the submit was through').toBeLessThan(count);

    const rerun = await runCli(args.slice(1), env, { timeoutMs: 300_000 });
    expect(rerun.code, rerun.stderr.slice(-2_000)).toBe(0);
    expect(rerun.stderr.match(/^already queued /gm)?.length).toBe(before.length);
    expect(rerun.stdout.trim().split('\n')).toHaveLength(count - before.length);
    // A batch's books go to Redis together, yet each is said in the order of the files.
    const said = rerun.stdout.trim().split('\n').map((line) => Number(/\tBook (\d+)\t/.exec(line)?.[1]));
    expect(said).toEqual([...said].sort((a, b) => a - b));
    const after = await queuedBooks(prefix);
    // Each book exactly once, whole: one record per source, each with its flow.
    const sources = after.map((b) => b.source).sort();
    expect(sources).toHaveLength(count);
    expect(new Set(sources).size).toBe(count);
    for (const b of before) expect(after.find((a) => a.bookId === b.bookId)).toBeDefined();
  }, 400_000);

  /**
   * Every book in the index, each checked whole: its record, with its plan's key, and its place in
   * the admission list (no worker runs, so none is in BullMQ yet), each book once; and no job in
   * BullMQ for a book the index does not hold.
   */
  async function queuedBooks(prefix: string): Promise<{ bookId: string; source: string }[]> {
    const p = `{${prefix}}`;
    const ids = await redis.zrange(`${p}:books`, 0, -1);
    const out: { bookId: string; source: string }[] = [];
    for (const id of ids) {
      const record = await redis.hgetall(`${p}:book:${id}`);
      expect(record.state, `record of ${id}`).toBe('queued');
      const chunks = Number(record.chunksTotal);
      expect(chunks).toBe(2);
      expect(record.plan, `plan key of ${id}`).toMatch(/^[0-9a-f]{64}$/);
      expect(await redis.lpos(`${p}:admit`, id), `${id} waiting for admission`).not.toBeNull();
      out.push({ bookId: id, source: (JSON.parse(record.sources!) as string[])[0]! });
    }
    expect(await redis.llen(`${p}:admit`), 'each book once in the admission list').toBe(ids.length);
    const finalizeJobs = (await redis.keys(`${p}:finalize:*`)).filter((k) => /^[^:]+:finalize:[^:]+$/.test(k) && !/:(id|meta|events|marker|wait|stalled-check|waiting-children)$/.test(k));
    for (const key of finalizeJobs) expect(ids, `${key} has a book`).toContain(key.split(':finalize:')[1]);
    return out;
  }

  it('a worker and `run` refuse a Redis that evicts keys, naming the setting; where CONFIG is refused they warn and go on', async () => {
    const prefix = testPrefix('e2e-library-evict');
    const env = envFor(prefix);
    const book = await writeParagraphBook(dir, 'evicting', 1);
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      for (const args of [['worker'], ['run', book.path, '--out', join(dir, 'out-evict'), '--format', 'wav']]) {
        const result = await runCli(args, env, { timeoutMs: 60_000 });
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toContain('maxmemory-policy allkeys-lru');
        expect(result.stderr).toContain('CONFIG SET maxmemory-policy noeviction');
        expect(result.stderr).toContain('BullMQ, which needs noeviction');
      }
      expect(await redis.zcard(`{${prefix}}:books`), 'run queued nothing').toBe(0);
    } finally {
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
    }
    // A managed Redis that does not allow CONFIG: the worker says so and starts.
    await redis.call('ACL', 'SETUSER', 'narrate', 'on', '>pw', '~*', '&*', '+@all', '-config');
    const worker = spawnWorker({ ...env, REDIS_URL: server.url.replace('redis://', 'redis://narrate:pw@') });
    try {
      await waitUntil('the worker to start with a warning', async () => worker.output().includes('narrate worker: prefix'), { timeoutMs: 60_000, describe: () => worker.output() });
      expect(worker.output()).toMatch(/warning: cannot read Redis's maxmemory-policy .*make sure it is noeviction/);
      expect(worker.output()).not.toContain('pw@');
    } finally {
      worker.signal('SIGTERM');
      await worker.waitForExit(30_000);
    }
  }, 180_000);
});
