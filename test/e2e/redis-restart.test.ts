/**
 * Redis goes away mid-book and comes back (append-only, so no key is lost): a worker must ride it
 * out — keep running, reconnect, finish the book — without re-buying the chunks already done.
 * Uses a private redis-server on its own port; the shared one on 6379 is never touched.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import { openBookQueues, type BookQueues } from '../helpers/book-queues.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { submitWithCli, writeParagraphBook } from '../helpers/paragraph-book.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { killAllSpawned, spawnWorker } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';
import { prefetchFor } from '../../src/worker/call-slots.js';

const KEY = 'restart-key';
const CHUNKS = 30;
const CONCURRENCY = 4;
/** Jobs the worker holds at most (call slots and the jobs taken ahead of them): what can be in flight. */
const HELD = CONCURRENCY + prefetchFor(CONCURRENCY);
/** How long Redis stays down: several reconnect attempts and every in-flight call's answer fall inside it. */
const DOWNTIME_MS = 1_500;

describe('a Redis restart in the middle of a book', () => {
  const prefix = testPrefix('e2e-restart');
  let dir: string;
  let redis: PrivateRedis | undefined;
  let fake: FakeModelServer;
  let queues: BookQueues | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-restart-'));
    redis = await startPrivateRedis(join(dir, 'redis'));
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 200, jitterMs: 50 });
  });

  afterAll(async () => {
    await killAllSpawned();
    if (queues) {
      if (redis?.process()?.running()) await queues.destroy();
      else queues.connection.disconnect();
    }
    await redis?.kill();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the worker running and completes the book after Redis comes back', async () => {
    const env: Record<string, string> = {
      REDIS_URL: redis!.url,
      NARRATE_PREFIX: prefix,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(dir, 'segments'),
      NARRATE_CONCURRENCY: String(CONCURRENCY),
      NARRATE_LOG_LEVEL: 'warn',
    };
    const book = await writeParagraphBook(dir, 'restart-book', CHUNKS);
    const out = join(dir, 'out');
    const { bookId, chunks } = await submitWithCli(book, out, env);
    expect(chunks).toBe(CHUNKS);

    const worker = spawnWorker(env);
    await waitUntil('a quarter of the chunks to be answered', () => fake.calls.filter((c) => c.status === 200).length >= CHUNKS / 4, {
      timeoutMs: 20_000,
      describe: () => `calls ${fake.calls.length}; worker: ${worker.output().slice(-2_000)}`,
    });

    await redis!.shutdown();
    const answeredBeforeRestart = fake.calls.filter((c) => c.status === 200).length;
    expect(answeredBeforeRestart, 'Redis went down mid-book').toBeLessThan(CHUNKS - CONCURRENCY);
    await sleep(DOWNTIME_MS);
    expect(worker.running(), `worker died while Redis was down: ${worker.output().slice(-2_000)}`).toBe(true);
    const callsWhileDown = fake.calls.length;
    await redis!.start();

    queues = openBookQueues(prefix, redis!.url);
    const result = await queues.waitForBook(bookId, 40_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker: ${worker.output().slice(-3_000)}`);
    });
    expect(worker.running(), 'the worker is long-lived and must survive the restart').toBe(true);
    expect(fake.calls.length, 'chunks were narrated after Redis came back').toBeGreaterThan(callsWhileDown);

    expect(result.output).toBe(join(out, 'restart-book.wav'));
    expect((await stat(result.output)).size).toBeGreaterThan(0);
    const report = JSON.parse(await readFile(join(out, 'restart-book.json'), 'utf8')) as BookReport;
    expect(report.chunks.map((c) => c.index)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    const probe = await probeAudio(result.output);
    expect(Math.abs(probe.durationMs - report.durationMs)).toBeLessThanOrEqual(100);

    // Nothing done before the restart is bought again; at most the calls in flight around it repeat.
    const perChunk = book.paragraphs.map((p) => fake.callsFor(p));
    expect(perChunk.every((n) => n === 1 || n === 2), `calls per chunk: ${perChunk.join(',')}`).toBe(true);
    expect(fake.calls.length).toBeLessThanOrEqual(CHUNKS + HELD);

    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(10_000);
    expect(exit?.code, worker.output().slice(-2_000)).toBe(0);
  });
});
