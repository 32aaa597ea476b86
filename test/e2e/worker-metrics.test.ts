/**
 * `narrate worker --metrics-port P`: /metrics counts what a book cost and where the queue stands;
 * /healthz is 200 while the worker can work and 503 when its Redis is gone, 200 again when it is
 * back. A private redis-server (stopped by this test) and the fake model with injected faults.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBookQueues, type BookQueues } from '../helpers/book-queues.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { submitWithCli, writeParagraphBook } from '../helpers/paragraph-book.js';
import { freePort, privateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { killAllSpawned, spawnProcess } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/narrate.js', import.meta.url));
const KEY = 'metrics-key';
const CHUNKS = 6;

/** The value of one sample of the Prometheus text, e.g. sample(text, 'narrate_model_calls_total{outcome="ok"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('worker health and metrics', () => {
  const prefix = testPrefix('e2e-metrics');
  let dir: string;
  let redis: PrivateRedis | undefined;
  let fake: FakeModelServer;
  let queues: BookQueues | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-metrics-'));
    await mkdir(join(dir, 'redis'));
    redis = await privateRedis(join(dir, 'redis'));
    await redis.start();
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 50 });
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

  it('serves /metrics for a book and /healthz that follows Redis', async () => {
    const book = await writeParagraphBook(dir, 'metrics-book', CHUNKS);
    const env: Record<string, string> = {
      REDIS_URL: redis!.url,
      NARRATE_PREFIX: prefix,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(dir, 'segments'),
      NARRATE_CONCURRENCY: '2',
      NARRATE_BACKOFF_MS: '50',
      NARRATE_LOG_LEVEL: 'warn',
    };
    // One of each way a call can go wrong, each on its own chunk.
    fake.inject(
      { kind: 'status', status: 429, retryAfterMs: 100, match: book.paragraphs[0]! },
      { kind: 'status', status: 503, match: book.paragraphs[1]! },
      { kind: 'answer', match: book.paragraphs[2]! },
    );
    const { bookId } = await submitWithCli(book, join(dir, 'out'), env);
    const port = await freePort();
    const worker = spawnProcess(process.execPath, [BIN, 'worker', '--metrics-port', String(port)], { ...env, NARRATE_METRICS_HOST: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    queues = openBookQueues(prefix, redis!.url);
    await queues.waitForBook(bookId, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker: ${worker.output().slice(-3_000)}`);
    });

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'narrate_model_calls_total{outcome="ok"}')).toBe(CHUNKS);
    expect(sample(metrics, 'narrate_model_calls_total{outcome="rejected"}')).toBe(1);
    expect(sample(metrics, 'narrate_model_calls_total{outcome="429"}')).toBe(1);
    expect(sample(metrics, 'narrate_model_calls_total{outcome="5xx"}')).toBe(1);
    expect(sample(metrics, 'narrate_model_call_duration_seconds_count')).toBe(CHUNKS + 3);
    expect(sample(metrics, 'narrate_chunks_done_total{source="model"}')).toBe(CHUNKS);
    expect(sample(metrics, 'narrate_audio_seconds_total')).toBeGreaterThan(CHUNKS * 3);
    expect(sample(metrics, 'narrate_tokens_total{kind="completion"}')).toBeGreaterThan(0);
    // Every ok and rejected reading is charged at the built-in prices.
    expect(sample(metrics, 'narrate_cost_usd_total')).toBeGreaterThan(0);
    expect(sample(metrics, 'narrate_call_slots')).toBe(2);
    expect(sample(metrics, 'narrate_call_slots_in_use')).toBe(0);
    expect(sample(metrics, 'narrate_store_operations_total{op="put",result="ok"}')).toBe(CHUNKS);
    expect(sample(metrics, 'narrate_store_operations_total{op="head",result="ok"}')).toBeGreaterThanOrEqual(CHUNKS);
    expect(sample(metrics, 'narrate_queue_jobs{queue="synthesize",state="completed"}')).toBe(CHUNKS);
    expect(sample(metrics, 'narrate_queue_jobs{queue="finalize",state="completed"}')).toBe(1);
    expect(sample(metrics, 'narrate_queue_jobs{queue="synthesize",state="wait"}')).toBe(0);
    expect(metrics).toContain('# TYPE narrate_model_call_duration_seconds histogram');

    const healthy = await fetch(`${base}/healthz`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({ ok: true, checks: { redis: 'ok', store: 'ok', 'taking jobs': 'ok' } });

    await redis!.shutdown();
    const down = await waitUntil('/healthz to answer 503', async () => {
      const r = await fetch(`${base}/healthz`);
      return r.status === 503 ? ((await r.json()) as { checks: Record<string, string> }) : undefined;
    }, { timeoutMs: 15_000 });
    expect(down.checks.redis).not.toBe('ok');
    expect(worker.running(), worker.output().slice(-2_000)).toBe(true);

    await redis!.start();
    await waitUntil('/healthz to answer 200 again', async () => (await fetch(`${base}/healthz`)).status === 200, {
      timeoutMs: 20_000,
      describe: async () => (await fetch(`${base}/healthz`)).text(),
    });

    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(15_000);
    expect(exit?.code, worker.output().slice(-2_000)).toBe(0);
  });
});
