/**
 * Sentinel failover mid-book: a master, its replica and three sentinels, started here on free
 * loopback ports. The master is SIGKILLed while chunks are in flight; the sentinels promote the
 * replica, the worker follows (failoverDetector, READONLY reconnects, the watchdog for #3088), and
 * the book completes with every chunk once, only the chunks in flight bought a second time. After
 * it, the worker's /healthz is 200 (the new master answers, every BullMQ worker takes jobs), and
 * each BullMQ worker the watchdog replaced, if any, is both logged and counted in /metrics.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import { loadConfig } from '../../src/config.js';
import { openRedis, type RedisConnection } from '../../src/queue/connection.js';
import type { FinalizeResult } from '../../src/contracts/job-data.js';
import { FINALIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { submitWithCli, writeParagraphBook } from '../helpers/paragraph-book.js';
import { startSentinels, type Topology } from '../helpers/redis-topology.js';
import { freePort } from '../helpers/redis-server.js';
import { prefetchFor } from '../../src/worker/call-slots.js';
import { killAllSpawned, spawnProcess } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const BIN = fileURLToPath(new URL('../../bin/narrate.js', import.meta.url));
const KEY = 'sentinel-key';
const CHUNKS = 30;
const CONCURRENCY = 4;
/** Jobs the worker holds at most (call slots and the jobs taken ahead of them): what can be in flight. */
const HELD = CONCURRENCY + prefetchFor(CONCURRENCY);

describe('a Sentinel failover in the middle of a book', () => {
  const prefix = testPrefix('e2e-sentinel');
  let dir: string;
  let set: Awaited<ReturnType<typeof startSentinels>> | undefined;
  let fake: FakeModelServer;
  let connection: RedisConnection | undefined;
  let finalize: Queue | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-sentinel-'));
    set = await startSentinels(join(dir, 'sentinel'));
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 300, jitterMs: 100 });
  });

  afterAll(async () => {
    await killAllSpawned();
    await finalize?.close().catch(() => undefined);
    connection?.disconnect();
    await (set as Topology | undefined)?.stop();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('completes with every chunk once after the master is SIGKILLed', async () => {
    const env: Record<string, string> = {
      NARRATE_REDIS_SENTINELS: set!.sentinels,
      NARRATE_REDIS_SENTINEL_NAME: set!.name,
      NARRATE_PREFIX: prefix,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(dir, 'segments'),
      NARRATE_CONCURRENCY: String(CONCURRENCY),
      NARRATE_LOG_LEVEL: 'info',
    };
    const book = await writeParagraphBook(dir, 'sentinel-book', CHUNKS);
    const out = join(dir, 'out');
    const { bookId, chunks } = await submitWithCli(book, out, env);
    expect(chunks).toBe(CHUNKS);

    const port = await freePort();
    const worker = spawnProcess(process.execPath, [BIN, 'worker', '--metrics-port', String(port)], { ...env, NARRATE_METRICS_HOST: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    await waitUntil('a quarter of the chunks to be answered', () => fake.calls.filter((c) => c.status === 200).length >= CHUNKS / 4, {
      timeoutMs: 40_000,
      describe: () => `calls ${fake.calls.length}; worker: ${worker.output().slice(-2_000)}`,
    });
    set!.master.signal('SIGKILL');
    await set!.master.waitForExit(5_000);
    const answeredAtKill = fake.calls.filter((c) => c.status === 200).length;
    expect(answeredAtKill, 'the master died mid-book').toBeLessThan(CHUNKS - CONCURRENCY);
    await waitUntil('the sentinels to promote the replica', async () => (await set!.currentMaster().catch(() => 0)) === set!.replicaPort, {
      timeoutMs: 40_000,
      intervalMs: 250,
      describe: set!.describe,
    });

    // The test's own view goes through the sentinels too, to whichever server is master now.
    connection = openRedis(loadConfig(env).redis, { name: 'narrate-test-sentinel' });
    connection.on('error', () => undefined);
    finalize = new Queue(FINALIZE_QUEUE, { connection, prefix: bullPrefix(prefix) });
    finalize.on('error', () => undefined);
    const result = await waitUntil(
      `book ${bookId} to be finalized`,
      async () => {
        const job = await Job.fromId<unknown, FinalizeResult>(finalize!, bookId);
        const state = await job?.getState();
        if (state === 'failed') throw new Error(`book failed: ${job!.failedReason}`);
        if (state !== 'completed') return undefined;
        // Read again: the job object may predate its completion (fetched just before the state).
        return (await Job.fromId<unknown, FinalizeResult>(finalize!, bookId))?.returnvalue ?? undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, describe: () => `calls ${fake.calls.length}; worker: ${worker.output().slice(-6_000)}\n${set!.describe()}` },
    );
    expect(worker.running(), 'the worker survives the failover').toBe(true);

    expect(result.output).toBe(join(out, 'sentinel-book.wav'));
    expect((await stat(result.output)).size).toBeGreaterThan(0);
    const report = JSON.parse(await readFile(join(out, 'sentinel-book.json'), 'utf8')) as BookReport;
    // Every chunk once in the output, in order, and the audio is as long as the manifest says.
    expect(report.chunks.map((c) => c.index)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    const probe = await probeAudio(result.output);
    expect(Math.abs(probe.durationMs - report.durationMs)).toBeLessThanOrEqual(100);
    // Bought once each, except at most the chunks in flight when the master died.
    const perChunk = book.paragraphs.map((p) => fake.callsFor(p));
    expect(perChunk.every((n) => n === 1 || n === 2), `calls per chunk: ${perChunk.join(',')}`).toBe(true);
    expect(fake.calls.length, `calls per chunk: ${perChunk.join(',')}`).toBeLessThanOrEqual(CHUNKS + HELD);

    // Recovered, not merely alive: Redis (the new master), the store and every BullMQ worker answer.
    const health = await waitUntil(
      '/healthz to answer 200 after the failover',
      async () => {
        const r = await fetch(`${base}/healthz`);
        return r.status === 200 ? ((await r.json()) as { checks: Record<string, string> }) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, describe: async () => `${await (await fetch(`${base}/healthz`)).text()}; worker: ${worker.output().slice(-3_000)}` },
    );
    expect(health.checks).toEqual({ redis: 'ok', store: 'ok', 'taking jobs': 'ok' });
    // Whether the watchdog had to step in depends on where the blocking connections were when the
    // master died (BullMQ recovers most cases itself); either way, each replacement is in the log
    // and in narrate_worker_restarts_total, queue by queue, and is followed by the health above.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const counted: Record<string, number> = {};
    for (const m of metrics.matchAll(/^narrate_worker_restarts_total\{queue="(\w+)"\} (\d+)$/gm)) if (Number(m[2]) > 0) counted[m[1]!] = Number(m[2]);
    const logged: Record<string, number> = {};
    for (const line of worker.output().split('\n')) {
      if (!line.includes('worker stopped taking jobs')) continue;
      const queue = (JSON.parse(line) as { queue: string }).queue;
      logged[queue] = (logged[queue] ?? 0) + 1;
    }
    expect(counted, `restarts logged ${JSON.stringify(logged)}`).toEqual(logged);

    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(20_000);
    expect(exit?.code, worker.output().slice(-2_000)).toBe(0);
  });
});
