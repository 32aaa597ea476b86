/**
 * NARRATE_SHARDS on a real 3-master Redis Cluster, started here on free loopback ports: a thousand
 * small books queued by the real `narrate submit` spread their keys and their memory over the three
 * masters within 20% of even, `narrate list` walks them in submit order across the shards, a
 * process with another NARRATE_SHARDS refuses to run, and books complete through a worker. Only the
 * model is fake.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOfBook } from '../../src/queue/keys.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { startCluster, type Topology } from '../helpers/redis-topology.js';
import { runCli } from '../helpers/run-cli.js';
import { killAllSpawned, spawnWorker } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const exec = promisify(execFile);
const KEY = 'cluster-shards-key';
const BOOKS = 1_000;
const SHARDS = '3';

const WORDS = ['amber', 'birch', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'harbor', 'iris', 'juniper', 'kestrel', 'lantern', 'meadow', 'nectar', 'orchid', 'pebble', 'quarry', 'raven', 'saffron', 'thistle'];

/** `count` small two-chapter Markdown books in `dir`, one file each. */
async function writeLibrary(dir: string, count: number, from = 0): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = from; i < from + count; i++) {
    const [a, b, c] = [WORDS[i % 20], WORDS[(i * 7 + 3) % 20], WORDS[Math.floor(i / 20) % 20]];
    await writeFile(
      join(dir, `book-${String(i).padStart(4, '0')}.md`),
      `# The ${a} ${b} ${c} ${i}\n\n## One\n\nThe ${a} waited by the river until morning came, number ${i}.\n\n## Two\n\nThen the ${b} walked home across the ${c} fields, number ${i}.\n`,
    );
  }
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await exec('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

/** Each master's key count and used_memory (bytes). */
async function perMaster(cluster: Topology): Promise<{ port: number; keys: number; memory: number }[]> {
  return Promise.all(
    cluster.servers.map(async (s) => {
      const keys = Number(await redisCli(s.port, 'dbsize'));
      const memory = Number(/used_memory:(\d+)/.exec(await redisCli(s.port, 'info', 'memory'))?.[1]);
      return { port: s.port, keys, memory };
    }),
  );
}

/** How far the largest and smallest of `values` are from their mean, as fractions of it. */
function spread(values: number[]): { mean: number; worst: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, worst: Math.max(...values.map((v) => Math.abs(v - mean) / mean)) };
}

describe('books sharded over a Redis Cluster (NARRATE_SHARDS)', () => {
  let dir: string;
  let cluster: (Topology & { nodes: string }) | undefined;
  let fake: FakeModelServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-cluster-shards-'));
    cluster = await startCluster(join(dir, 'cluster'));
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 20 });
    env = {
      NARRATE_REDIS_CLUSTER: cluster.nodes,
      NARRATE_SHARDS: SHARDS,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(dir, 'segments'),
      NARRATE_CONCURRENCY: '4',
      NARRATE_LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await killAllSpawned();
    await cluster?.stop();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('spreads the keys and the memory of a thousand queued books over the three masters within 20% of even', async () => {
    const before = await perMaster(cluster!);
    const library = join(dir, 'library');
    await writeLibrary(library, BOOKS);
    const shardedEnv = { ...env, NARRATE_PREFIX: testPrefix('e2e-shards') };
    const submit = await runCli(['submit', library, '--out', join(dir, 'out')], shardedEnv, { timeoutMs: 300_000 });
    expect(submit.code, `${submit.stderr.slice(-2_000)}\n${cluster!.describe()}`).toBe(0);
    expect(submit.stdout.trim().split('\n')).toHaveLength(BOOKS);

    const after = await perMaster(cluster!);
    const keys = after.map((a, i) => a.keys - before[i]!.keys);
    const memory = after.map((a, i) => a.memory - before[i]!.memory);
    const detail = `keys per master ${keys.join(', ')}; bytes per master ${memory.join(', ')}`;
    // Every master holds a part: with one hash tag all of it would sit on one.
    expect(spread(keys).worst, detail).toBeLessThanOrEqual(0.2);
    expect(spread(memory).worst, detail).toBeLessThanOrEqual(0.2);
    console.log(`[shards] ${BOOKS} books over ${SHARDS} shards on 3 masters: ${detail}`);

    // Listing walks the three shards' indexes as one, page after page: every book once, in the order
    // one index gives (submit time, then id for books of the same millisecond).
    const listed: { bookId: string; createdAt: string }[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await runCli(['list', '--limit', '400', '--json', ...(cursor ? ['--after', cursor] : [])], shardedEnv, { timeoutMs: 60_000 });
      expect(page.code, page.stderr).toBe(0);
      listed.push(...(JSON.parse(page.stdout) as { bookId: string; createdAt: string }[]));
      cursor = /--after (\S+)/.exec(page.stderr)?.[1];
      if (!cursor) break;
    }
    const submitted = submit.stdout.trim().split('\n').map((line) => line.split('\t')[0]!);
    expect(listed.map((b) => b.bookId).sort()).toEqual([...submitted].sort());
    const inIndexOrder = [...listed].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || Buffer.compare(Buffer.from(a.bookId), Buffer.from(b.bookId)));
    expect(listed.map((b) => b.bookId)).toEqual(inIndexOrder.map((b) => b.bookId));
    expect(new Set(listed.map((b) => shardOfBook(b.bookId, Number(SHARDS)))).size).toBe(3);

    // A process told another shard count would look for the books in the wrong places: it stops.
    const wrong = await runCli(['list'], { ...shardedEnv, NARRATE_SHARDS: '1' }, { timeoutMs: 60_000 });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`NARRATE_SHARDS=1, but the books under prefix "${shardedEnv.NARRATE_PREFIX}" are spread over 3 shard(s) (${BOOKS} book(s) in Redis): set NARRATE_SHARDS=3`);
  }, 600_000);

  it('completes books of every shard through one worker', async () => {
    const shardedEnv = { ...env, NARRATE_PREFIX: testPrefix('e2e-shards-run') };
    const library = join(dir, 'six');
    await writeLibrary(library, 6, 2_000);
    const out = join(dir, 'six-out');
    const submit = await runCli(['submit', library, '--out', out, '--format', 'wav'], shardedEnv, { timeoutMs: 120_000 });
    expect(submit.code, submit.stderr).toBe(0);
    const ids = submit.stdout.trim().split('\n').map((line) => line.split('\t')[0]!);
    expect(ids).toHaveLength(6);
    // Six ids over three shards: at least two of them hold a book (all in one: 3 chances in 729).
    expect(new Set(ids.map((id) => shardOfBook(id, Number(SHARDS)))).size).toBeGreaterThan(1);

    const worker = spawnWorker(shardedEnv);
    const done = await waitUntil(
      'every book done',
      async () => {
        const list = await runCli(['list', '--json'], shardedEnv, { timeoutMs: 60_000 });
        const books = JSON.parse(list.stdout || '[]') as { bookId: string; state: string; output?: string }[];
        return books.length === 6 && books.every((b) => b.state === 'done') ? books : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1_000, describe: () => worker.output().slice(-2_000) },
    );
    for (const book of done) expect((await stat(book.output!)).size).toBeGreaterThan(0);
    // Each chapter's text read once, whichever shard its book is in.
    for (let i = 2_000; i < 2_006; i++) {
      expect(fake.callsFor(`waited by the river until morning came, number ${i}.`)).toBe(1);
      expect(fake.callsFor(`fields, number ${i}.`)).toBe(1);
    }
    worker.signal('SIGTERM');
    expect((await worker.waitForExit(60_000))?.code).toBe(0);
  }, 400_000);
});
