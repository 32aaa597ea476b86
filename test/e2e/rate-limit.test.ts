/**
 * NARRATE_RPM is a fleet-wide budget: two worker processes, eight jobs in flight each, must between
 * them stay under a provider's requests-per-minute limit instead of drawing 429s.
 *
 * A provider (and the fake's `rpm`) counts over a sliding minute, which a test of a few seconds can
 * never exceed; the rate-limit proxy enforces the same budget over a 5 s sliding window
 * (rpm/12 requests per 5 s), so an evenly spread `NARRATE_RPM` passes and a burst does not.
 * The control runs the same fleet without NARRATE_RPM and must draw 429s, so the main test can fail.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { openBookQueues, type BookQueues } from '../helpers/book-queues.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { submitWithCli, writeParagraphBook, type ParagraphBook } from '../helpers/paragraph-book.js';
import { startRateLimitProxy, type RateLimitProxy } from '../helpers/rate-limit-proxy.js';
import { killAllSpawned, spawnWorker, type SpawnedProcess } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { runCli } from '../helpers/run-cli.js';
import { shardOfBook } from '../../src/queue/keys.js';
import { writeFile } from 'node:fs/promises';
import { waitUntil } from '../helpers/wait-until.js';

const KEY = 'rpm-key';
const CHUNKS = 30;
const PROVIDER_RPM = 240;
const FLEET_RPM = 220;
const WINDOW_MS = 5_000;

describe('a fleet under a provider rate limit', () => {
  let dir: string;
  let book: ParagraphBook;
  const opened: BookQueues[] = [];
  const servers: Array<FakeModelServer | RateLimitProxy> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-rpm-'));
    book = await writeParagraphBook(dir, 'rpm-book', CHUNKS);
  });

  afterAll(async () => {
    await killAllSpawned();
    await Promise.allSettled(opened.map((q) => q.destroy()));
    await Promise.allSettled(servers.map((s) => s.close()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** One fleet of two worker processes on its own prefix, store and provider; narrates the book. */
  async function narrateWithFleet(name: string, rpm: number | undefined) {
    const fake = await startFakeModel({ apiKey: KEY, latencyMs: 50, rpm: PROVIDER_RPM });
    servers.push(fake);
    const proxy = await startRateLimitProxy(fake.url, { rpm: PROVIDER_RPM, windowMs: WINDOW_MS });
    servers.push(proxy);
    const prefix = testPrefix(`e2e-rpm-${name}`);
    const queues = openBookQueues(prefix);
    opened.push(queues);
    const env: Record<string, string> = {
      NARRATE_PREFIX: prefix,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: proxy.url,
      NARRATE_STORE_DIR: join(dir, `segments-${name}`),
      NARRATE_CONCURRENCY: '8',
      // debug: each worker logs "chunk done" per job, which tells who did what.
      NARRATE_LOG_LEVEL: 'debug',
      ...(rpm === undefined ? {} : { NARRATE_RPM: String(rpm) }),
    };
    const fleet: SpawnedProcess[] = [spawnWorker(env), spawnWorker(env)];
    await waitUntil('both workers to start', () => fleet.every((w) => w.output().includes('narrate worker: prefix')), {
      timeoutMs: 15_000,
      describe: () => fleet.map((w) => w.output().slice(-1_000)).join('\n---\n'),
    });
    const out = join(dir, `out-${name}`);
    const { bookId, chunks } = await submitWithCli(book, out, env);
    expect(chunks).toBe(CHUNKS);
    await queues.waitForBook(bookId, 40_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${fleet.map((w) => w.output().slice(-2_000)).join('\n---\n')}`);
    });
    const report = JSON.parse(await readFile(join(out, 'rpm-book.json'), 'utf8')) as BookReport;
    const chunksDoneBy = fleet.map((w) => (w.output().match(/"msg":"chunk done"/g) ?? []).length);
    for (const w of fleet) w.signal('SIGTERM');
    await Promise.all(fleet.map((w) => w.waitForExit(10_000)));
    return { fake, proxy, report, chunksDoneBy };
  }

  it('stays under the provider limit with NARRATE_RPM set a little below it, across two processes', async () => {
    const { fake, proxy, report, chunksDoneBy } = await narrateWithFleet('limited', FLEET_RPM);
    expect(report.chunks.map((c) => c.index)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    const answered429 = proxy.rateLimited() + fake.calls.filter((c) => c.outcome === 'rate-limited').length;
    expect(answered429, `429s; busiest ${WINDOW_MS} ms window held ${proxy.busiestWindow()} requests (limit ${proxy.limit})`).toBeLessThanOrEqual(1);
    expect(proxy.busiestWindow()).toBeLessThanOrEqual(proxy.limit);
    // Both processes took jobs, so the budget held fleet-wide, not just inside one process.
    expect(chunksDoneBy.every((n) => n > 0), `chunks done per worker: ${chunksDoneBy.join(', ')}`).toBe(true);
    expect(chunksDoneBy[0]! + chunksDoneBy[1]!).toBe(CHUNKS);
    // Spread evenly: the calls span about (N - 1) limiter intervals, not one burst.
    const times = fake.calls.map((c) => c.at);
    const interval = Math.ceil(60_000 / FLEET_RPM);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual((CHUNKS - 1) * interval * 0.9);
    expect(fake.calls).toHaveLength(CHUNKS);
  });

  it('holds the same budget across shards: books of two shards (NARRATE_SHARDS=2), two processes', async () => {
    const fake = await startFakeModel({ apiKey: KEY, latencyMs: 50, rpm: PROVIDER_RPM });
    servers.push(fake);
    const proxy = await startRateLimitProxy(fake.url, { rpm: PROVIDER_RPM, windowMs: WINDOW_MS });
    servers.push(proxy);
    const prefix = testPrefix('e2e-rpm-shards');
    const env: Record<string, string> = {
      NARRATE_PREFIX: prefix,
      NARRATE_SHARDS: '2',
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: proxy.url,
      NARRATE_STORE_DIR: join(dir, 'segments-shards'),
      NARRATE_CONCURRENCY: '8',
      NARRATE_LOG_LEVEL: 'warn',
      NARRATE_RPM: String(FLEET_RPM),
    };
    // Six books of five chunks, each text its own (no segment shared), in whichever shard their ids fall.
    const library = join(dir, 'shards-library');
    await mkdir(library, { recursive: true });
    for (let b = 0; b < 6; b++) {
      const paragraphs = book.paragraphs.slice(5 * b, 5 * b + 5).map((p) => p.replace('Paragraph', 'Passage'));
      await writeFile(join(library, `book-${b}.txt`), `${paragraphs.join('\n\n')}\n`);
    }
    const submit = await runCli(['submit', library, '--out', join(dir, 'out-shards'), '--format', 'wav', '--max-chars', String(book.maxChars)], env);
    expect(submit.code, submit.stderr).toBe(0);
    const ids = submit.stdout.trim().split('\n').map((line) => line.split('\t')[0]!);
    expect(new Set(ids.map((id) => shardOfBook(id, 2))).size, 'six books in one shard of two: 1 chance in 32').toBe(2);
    const fleet: SpawnedProcess[] = [spawnWorker(env), spawnWorker(env)];
    await waitUntil(
      'every book done',
      async () => {
        const list = await runCli(['list', '--json'], env);
        const books = JSON.parse(list.stdout || '[]') as { state: string }[];
        return books.length === 6 && books.every((b) => b.state === 'done');
      },
      { timeoutMs: 60_000, intervalMs: 500, describe: () => fleet.map((w) => w.output().slice(-1_000)).join('\n---\n') },
    );
    for (const w of fleet) w.signal('SIGTERM');
    await Promise.all(fleet.map((w) => w.waitForExit(10_000)));
    expect(fake.calls).toHaveLength(CHUNKS);
    const answered429 = proxy.rateLimited() + fake.calls.filter((c) => c.outcome === 'rate-limited').length;
    expect(answered429, `429s; busiest ${WINDOW_MS} ms window held ${proxy.busiestWindow()} requests (limit ${proxy.limit})`).toBeLessThanOrEqual(1);
    expect(proxy.busiestWindow()).toBeLessThanOrEqual(proxy.limit);
  });

  it('control: the same fleet without NARRATE_RPM draws 429s (and still finishes the book)', async () => {
    const { proxy, report } = await narrateWithFleet('unlimited', undefined);
    expect(report.totals.chunks).toBe(CHUNKS);
    expect(proxy.busiestWindow()).toBe(proxy.limit);
    // The first 429 pauses the whole queue, so how many more arrive depends on what was already in
    // flight (2 to 10 seen): one is enough to show the provider's limit is exceeded without NARRATE_RPM.
    expect(proxy.rateLimited()).toBeGreaterThanOrEqual(1);
  });
});
