/**
 * A worker killed with SIGKILL mid-book (no drain, no lock release) must cost at most the calls
 * it had in flight: another worker picks its jobs up after one lock period, the store keeps what
 * was already bought, and the book comes out whole, each chunk exactly once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import { chunkJobId } from '../../src/queue/build-flow.js';
import { prefetchFor } from '../../src/worker/call-slots.js';
import { openBookQueues, type BookQueues } from '../helpers/book-queues.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { submitWithCli, writeParagraphBook } from '../helpers/paragraph-book.js';
import { killAllSpawned, spawnWorker, type SpawnedProcess } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const KEY = 'crash-key';
const CHUNKS = 40;
const CONCURRENCY_A = 4;
/**
 * Jobs worker A holds at most: its call slots and the jobs it takes ahead of them. A job frees its
 * slot once its answer is in, before the reading is measured and stored, so a held job may be one
 * already paid for and not yet stored while a new call uses its slot: every held job can be lost.
 */
const HELD_BY_A = CONCURRENCY_A + prefetchFor(CONCURRENCY_A);

describe('a worker killed mid-book', () => {
  const prefix = testPrefix('e2e-crash');
  let dir: string;
  let fake: FakeModelServer;
  let queues: BookQueues;
  let env: Record<string, string>;
  const workers: SpawnedProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-crash-'));
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 300, jitterMs: 50 });
    queues = openBookQueues(prefix);
    env = {
      NARRATE_PREFIX: prefix,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(dir, 'segments'),
      // The dead worker's locks lapse after 2 s, and the survivor checks for stalled jobs as often.
      NARRATE_LOCK_DURATION_MS: '2000',
      NARRATE_LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await killAllSpawned();
    await queues?.destroy();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loses nothing and re-narrates only the chunks that were in flight', async () => {
    const book = await writeParagraphBook(dir, 'crash-book', CHUNKS);
    const out = join(dir, 'out');
    const submitted = await submitWithCli(book, out, env);
    expect(submitted.chunks).toBe(CHUNKS);
    const { bookId } = submitted;

    const a = spawnWorker({ ...env, NARRATE_CONCURRENCY: String(CONCURRENCY_A) });
    workers.push(a);
    const third = Math.ceil(CHUNKS / 3);
    await waitUntil('worker A to complete a third of the chunks', async () => (await queues.synthesize.getCompletedCount()) >= third, {
      timeoutMs: 20_000,
      describe: async () => `${await queues.describe()}; worker A: ${a.output().slice(-2_000)}`,
    });
    // Read before the kill: every chunk listed here was finished (in Redis) by A, so B must never buy it again.
    const completedByA = (await queues.synthesize.getCompleted(0, -1)).map((j) => j.id);
    a.signal('SIGKILL');
    const killed = await a.waitForExit(5_000);
    const killedAt = Date.now();
    expect(killed?.signal).toBe('SIGKILL');
    // Requests A sent but never saw answered: the crash really hit work in flight.
    const pendingAtKill = fake.calls.filter((c) => c.at < killedAt && c.status === 0).length;
    const callsByA = fake.calls.filter((c) => c.at < killedAt).length;
    expect(pendingAtKill, 'the kill should catch requests in flight').toBeGreaterThan(0);
    expect(callsByA).toBeLessThan(CHUNKS);

    const b = spawnWorker({ ...env, NARRATE_CONCURRENCY: '4' });
    workers.push(b);
    const result = await queues.waitForBook(bookId, 40_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker B: ${b.output().slice(-3_000)}`);
    });
    expect(b.running(), 'worker B is long-lived and must still be running').toBe(true);

    // The manifest: every chunk once, in order.
    const report = JSON.parse(await readFile(join(out, 'crash-book.json'), 'utf8')) as BookReport;
    expect(result.output).toBe(join(out, 'crash-book.wav'));
    expect(report.chunks.map((c) => c.index)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    expect(report.chunks.map((c) => c.chars)).toEqual(book.paragraphs.map((p) => p.length));
    expect(report.totals.chunks).toBe(CHUNKS);

    // The audio: as long as the manifest says. A segment joined twice (or dropped) would show here.
    const probe = await probeAudio(result.output);
    expect(Math.abs(probe.durationMs - report.durationMs)).toBeLessThanOrEqual(100);
    const segmentsMs = report.chunks.reduce((n, c) => n + c.durationMs, 0);
    expect(report.durationMs).toBeGreaterThan(segmentsMs);
    expect(report.durationMs - segmentsMs).toBeLessThan(CHUNKS * 2_000); // pauses only, no extra segment

    // The bill: each chunk bought once, except those in flight when A died (at most the jobs A held).
    const perChunk = book.paragraphs.map((p) => fake.callsFor(p));
    const twice = perChunk.flatMap((n, i) => (n === 2 ? [i] : []));
    expect(perChunk.every((n) => n === 1 || n === 2), `calls per chunk: ${perChunk.join(',')}`).toBe(true);
    expect(twice.length, `chunks narrated twice: ${twice.join(',')}`).toBeLessThanOrEqual(HELD_BY_A);
    expect(fake.calls.length).toBeLessThanOrEqual(CHUNKS + HELD_BY_A);
    expect(fake.calls.every((c) => c.outcome === 'read')).toBe(true);
    // Chunks A had completed before it died were never narrated again.
    for (const id of completedByA) {
      const index = book.paragraphs.findIndex((_, i) => chunkJobId(bookId, i) === id);
      expect(index, `completed job ${String(id)}`).toBeGreaterThanOrEqual(0);
      expect(perChunk[index], `chunk ${index} was completed by A`).toBe(1);
    }
    // Only chunks A had started can have been narrated twice.
    const startedByA = new Set(fake.calls.filter((c) => c.at < killedAt).map((c) => c.text));
    for (const i of twice) expect(startedByA.has(book.paragraphs[i]!), `chunk ${i}`).toBe(true);
  });
});
