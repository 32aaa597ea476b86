/**
 * `narrate worker` and signals, as the README promises them: the first SIGTERM stops taking jobs,
 * lets those in flight finish (up to NARRATE_SHUTDOWN_TIMEOUT_MS) and exits 0; past the deadline the
 * jobs are handed back and it still exits 0; a second signal forces an exit at once (code 1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBookQueues, type BookQueues } from '../helpers/book-queues.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { submitWithCli, writeParagraphBook, type ParagraphBook } from '../helpers/paragraph-book.js';
import { killAllSpawned, spawnWorker, type SpawnedProcess } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const KEY = 'shutdown-key';
const CHUNKS = 6;
const CONCURRENCY = 2;
const LATENCY_MS = 1_500;
/** Time a process gets beyond what it was promised: node start-up, Redis quit, slow CI. */
const MARGIN_MS = 3_000;

describe('narrate worker on SIGTERM', () => {
  let dir: string;
  let fake: FakeModelServer;
  const opened: BookQueues[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-shutdown-'));
    fake = await startFakeModel({ apiKey: KEY, latencyMs: LATENCY_MS });
  });

  afterAll(async () => {
    await killAllSpawned();
    await Promise.allSettled(opened.map((q) => q.destroy()));
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh prefix, store and book; a worker started on it; resolves once CONCURRENCY calls are in flight. */
  async function workerWithJobsInFlight(name: string, extraEnv: Record<string, string>) {
    const prefix = testPrefix(`e2e-shutdown-${name}`);
    const queues = openBookQueues(prefix);
    opened.push(queues);
    const env: Record<string, string> = {
      NARRATE_PREFIX: prefix,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(dir, `segments-${name}`),
      NARRATE_CONCURRENCY: String(CONCURRENCY),
      NARRATE_LOG_LEVEL: 'info',
      ...extraEnv,
    };
    const book: ParagraphBook = await writeParagraphBook(dir, `book-${name}`, CHUNKS);
    const { bookId } = await submitWithCli(book, join(dir, `out-${name}`), env);
    const firstCall = fake.calls.length;
    const worker = spawnWorker(env);
    const inFlight = await waitUntil(
      `${CONCURRENCY} model calls in flight`,
      () => {
        const pending = fake.calls.slice(firstCall).filter((c) => c.status === 0);
        return pending.length >= CONCURRENCY && pending;
      },
      { timeoutMs: 15_000, intervalMs: 20, describe: () => worker.output().slice(-2_000) },
    );
    const indexes = inFlight.map((c) => book.paragraphs.indexOf(c.text));
    expect(indexes.every((i) => i >= 0)).toBe(true);
    return { env, queues, book, bookId, worker, firstCall, indexes };
  }

  const callsSince = (from: number) => fake.calls.slice(from);
  const states = (queues: BookQueues, bookId: string) => Promise.all(Array.from({ length: CHUNKS }, (_, i) => queues.chunkState(bookId, i)));

  it('drains: finishes the jobs in flight, takes no new one, exits 0', async () => {
    const SHUTDOWN_MS = 8_000;
    const { queues, bookId, worker, firstCall, indexes } = await workerWithJobsInFlight('drain', { NARRATE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS) });
    const signalledAt = Date.now();
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(SHUTDOWN_MS + MARGIN_MS);
    expect(exit, `still running ${SHUTDOWN_MS + MARGIN_MS} ms after SIGTERM: ${worker.output().slice(-2_000)}`).toBeDefined();
    expect(exit!.code, worker.output().slice(-2_000)).toBe(0);
    expect(exit!.signal).toBeNull();
    // It waited for the calls in flight: they were answered before it exited...
    const calls = callsSince(firstCall);
    expect(calls.map((c) => c.status)).toEqual(Array.from({ length: CONCURRENCY }, () => 200));
    // ...and exited once they were done, not at the deadline.
    expect(exit!.at - signalledAt).toBeLessThan(SHUTDOWN_MS);
    // The chunks in flight are completed in Redis (not left active to stall); the rest wait for another worker.
    const after = await states(queues, bookId);
    for (let i = 0; i < CHUNKS; i++) expect(after[i], `chunk ${i}`).toBe(indexes.includes(i) ? 'completed' : 'waiting');
  });

  it('past NARRATE_SHUTDOWN_TIMEOUT_MS: exits 0 and the jobs in flight go to another worker', async () => {
    const SHUTDOWN_MS = 1_000;
    fake.inject(...Array.from({ length: CONCURRENCY }, () => ({ kind: 'hang' as const })));
    const { env, queues, bookId, book, worker, firstCall, indexes } = await workerWithJobsInFlight('deadline', {
      NARRATE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS),
      NARRATE_LOCK_DURATION_MS: '2000',
      NARRATE_BACKOFF_MS: '100',
    });
    expect(callsSince(firstCall).map((c) => c.outcome)).toEqual(['hung', 'hung']);
    const signalledAt = Date.now();
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(SHUTDOWN_MS + MARGIN_MS);
    expect(exit, `still running ${SHUTDOWN_MS + MARGIN_MS} ms after SIGTERM: ${worker.output().slice(-2_000)}`).toBeDefined();
    expect(exit!.code, worker.output().slice(-2_000)).toBe(0);
    expect(exit!.at - signalledAt).toBeGreaterThanOrEqual(SHUTDOWN_MS - 50);
    const after = await states(queues, bookId);
    for (const i of indexes) expect(after[i], `chunk ${i} was in flight`).not.toBe('completed');
    // Handed back: a second worker finishes the whole book, the abandoned chunks included.
    const second: SpawnedProcess = spawnWorker({ ...env, NARRATE_SHUTDOWN_TIMEOUT_MS: '5000' });
    await queues.waitForBook(bookId, 20_000);
    for (const i of indexes) expect(fake.callsFor(book.paragraphs[i]!), `chunk ${i}`).toBeGreaterThanOrEqual(2);
    second.signal('SIGTERM');
    expect((await second.waitForExit(5_000 + MARGIN_MS))?.code).toBe(0);
  });

  it('a second SIGTERM forces the exit at once, abandoning the jobs in flight (exit code 1)', async () => {
    const SHUTDOWN_MS = 30_000;
    fake.inject(...Array.from({ length: CONCURRENCY }, () => ({ kind: 'hang' as const })));
    const { queues, bookId, worker, firstCall, indexes } = await workerWithJobsInFlight('force', { NARRATE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS) });
    expect(callsSince(firstCall).map((c) => c.outcome)).toEqual(['hung', 'hung']);
    worker.signal('SIGTERM');
    // The first signal only drains: with calls hung, the worker would wait up to SHUTDOWN_MS.
    await sleep(500);
    expect(worker.running(), worker.output().slice(-2_000)).toBe(true);
    const secondAt = Date.now();
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(MARGIN_MS);
    expect(exit, `still running ${MARGIN_MS} ms after the second SIGTERM: ${worker.output().slice(-2_000)}`).toBeDefined();
    // Exited by its own hand (process.exit(1)), not killed by the signal's default action.
    expect(exit!.signal).toBeNull();
    expect(exit!.code).toBe(1);
    expect(exit!.at - secondAt).toBeLessThan(MARGIN_MS);
    // Nothing was finished on the way out, and no new job was started.
    expect(callsSince(firstCall)).toHaveLength(CONCURRENCY);
    const after = await states(queues, bookId);
    for (const i of indexes) expect(after[i], `chunk ${i} was in flight`).not.toBe('completed');
  });
});
