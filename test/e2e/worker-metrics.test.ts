/**
 * `narrate worker --metrics-port P`: /metrics counts what a book cost and where the queue stands;
 * /healthz is 200 while the worker can work and 503 when its Redis is gone, when its store is
 * unusable and while it drains, 200 again when each is back. A private redis-server (stopped by
 * this test), the fake model with injected faults, and a webhook receiver.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openBookQueues, type BookQueues } from '../helpers/book-queues.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { submitWithCli, writeParagraphBook, type ParagraphBook } from '../helpers/paragraph-book.js';
import { freePort, startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { killAllSpawned, spawnProcess, type SpawnedProcess } from '../helpers/spawn-worker.js';
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

/** GET /healthz: its status and body. */
async function health(base: string): Promise<{ status: number; checks: Record<string, string> }> {
  const r = await fetch(`${base}/healthz`);
  return { status: r.status, checks: ((await r.json()) as { checks: Record<string, string> }).checks };
}

describe('worker health and metrics', () => {
  const prefix = testPrefix('e2e-metrics');
  let dir: string;
  let redis: PrivateRedis | undefined;
  let fake: FakeModelServer;
  let queues: BookQueues | undefined;
  let webhook: Server | undefined;
  let env: Record<string, string>;
  /** Webhook posts received (books' ends). */
  const posts: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-metrics-'));
    redis = await startPrivateRedis(join(dir, 'redis'));
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 50 });
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        posts.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => webhook!.listen(0, '127.0.0.1', r));
    env = {
      REDIS_URL: redis.url,
      NARRATE_PREFIX: prefix,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(dir, 'segments'),
      NARRATE_CONCURRENCY: '2',
      NARRATE_BACKOFF_MS: '50',
      // A call the fake leaves hanging times out after this (normal calls answer within 100 ms).
      NARRATE_REQUEST_TIMEOUT_MS: '3000',
      NARRATE_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
      // The receiver is on loopback, which webhooks are refused by default.
      NARRATE_WEBHOOK_ALLOW_PRIVATE: 'true',
      NARRATE_LOG_LEVEL: 'warn',
    };
  });

  // A test that failed half-way must not leave its worker taking the next test's jobs (Redis,
  // spawned too, stays up: killAllSpawned would take it down).
  const workers: SpawnedProcess[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.signal('SIGKILL');
      await w.waitForExit(5_000);
    }
  });

  afterAll(async () => {
    await killAllSpawned();
    await new Promise((r) => (webhook ? webhook.close(r) : r(undefined)));
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
    // One of each way a call can go wrong, each on its own chunk.
    fake.inject(
      { kind: 'status', status: 429, retryAfterMs: 100, match: book.paragraphs[0]! },
      { kind: 'status', status: 503, match: book.paragraphs[1]! },
      { kind: 'answer', match: book.paragraphs[2]! },
      { kind: 'hang', match: book.paragraphs[3]! },
    );
    const { bookId } = await submitWithCli(book, join(dir, 'out'), env);
    const port = await freePort();
    const worker = spawnProcess(process.execPath, [BIN, 'worker', '--metrics-port', String(port)], { ...env, NARRATE_METRICS_HOST: '127.0.0.1' });
    workers.push(worker);
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
    expect(sample(metrics, 'narrate_model_calls_total{outcome="timeout"}')).toBe(1);
    expect(sample(metrics, 'narrate_model_call_duration_seconds_count')).toBe(CHUNKS + 4);
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
    // The book's end is posted to NARRATE_WEBHOOK_URL by a notify job, counted with the other queues.
    await waitUntil('the notify job to complete', async () => sample(await (await fetch(`${base}/metrics`)).text(), 'narrate_queue_jobs{queue="notify",state="completed"}') === 1, {
      timeoutMs: 15_000,
      describe: async () => `posts ${posts.length}; ${(await (await fetch(`${base}/metrics`)).text()).split('\n').filter((l) => l.includes('queue="notify"')).join('; ')}`,
    });
    expect(posts.map((p) => (JSON.parse(p) as { bookId: string; state: string }))).toEqual([expect.objectContaining({ bookId, state: 'done' })]);

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

  it('answers 503 while its store is unusable (counting the failures) and from the moment it drains', async () => {
    const port = await freePort();
    const worker = spawnProcess(process.execPath, [BIN, 'worker', '--metrics-port', String(port)], { ...env, NARRATE_METRICS_HOST: '127.0.0.1' });
    workers.push(worker);
    const base = `http://127.0.0.1:${port}`;
    await waitUntil('/healthz to answer 200', async () => (await health(base).catch(() => undefined))?.status === 200, {
      timeoutMs: 20_000,
      describe: () => worker.output().slice(-2_000),
    });

    // The store's directory replaced by a file: what a volume that went away or was remounted
    // wrong looks like to the worker. (Taking permissions away would not do: tests may run as root.)
    const segments = join(dir, 'segments');
    await rename(segments, `${segments}.away`);
    await writeFile(segments, 'not a directory\n');
    const broken = await waitUntil('/healthz to answer 503 for the store', async () => {
      const h = await health(base);
      return h.status === 503 ? h : undefined;
    }, { timeoutMs: 15_000 });
    expect(broken.checks.store).toMatch(/cannot create or write the directory \((EEXIST|ENOTDIR)\)/);
    expect(broken.checks.redis).toBe('ok');
    expect(broken.checks['taking jobs']).toBe('ok');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'narrate_store_operations_total{op="probe",result="error"}')).toBeGreaterThanOrEqual(1);

    await rm(segments);
    await rename(`${segments}.away`, segments);
    await waitUntil('/healthz to answer 200 again', async () => (await health(base)).status === 200, {
      timeoutMs: 15_000,
      describe: async () => JSON.stringify(await health(base)),
    });

    // A chunk in flight (the fake holds the call until the client's timeout) keeps the drain going
    // for a few seconds after SIGTERM; /healthz must say 503 during it, not only once the port closes.
    const text = 'The lighthouse keeper counted the ships until the evening drain began at last.';
    const path = join(dir, 'drain-book.txt');
    await writeFile(path, `${text}\n`);
    const drainBook: ParagraphBook = { path, paragraphs: [text], maxChars: text.length + 10 };
    fake.inject({ kind: 'hang', match: text });
    await submitWithCli(drainBook, join(dir, 'out'), env);
    await waitUntil('the chunk to be in flight', () => fake.calls.some((c) => c.text.includes(text) && c.outcome === 'hung'), {
      timeoutMs: 15_000,
      describe: () => worker.output().slice(-2_000),
    });
    worker.signal('SIGTERM');
    const draining = await waitUntil('/healthz to answer 503 while draining', async () => {
      const h = await health(base);
      return h.status === 503 ? h : undefined;
    }, { timeoutMs: 5_000 });
    expect(draining.checks['taking jobs']).toMatch(/^not taking jobs: .*synthesize \(closing\)/);
    expect(draining.checks.redis).toBe('ok');
    expect(worker.running(), 'still draining when /healthz said so').toBe(true);
    const exit = await worker.waitForExit(20_000);
    expect(exit?.code, worker.output().slice(-2_000)).toBe(0);
  });
});
