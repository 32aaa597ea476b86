/**
 * BullMQ #3088: a Worker that stops taking jobs without a word (its blocking connection ended and
 * never comes back, isRunning() still true). The watchdog sees jobs waiting, room in the worker,
 * nothing holding them, and nothing taken: it starts a new Worker, and the jobs get done. Every
 * worker of a process (finalize, encode, enqueue, notify as well as synthesize) is watched, and
 * /healthz says which one stopped until it is replaced.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job as BullJob, Queue, Worker, type Job } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { BookNotification } from '../../src/notify/book-notification.js';
import { openRedis } from '../../src/queue/connection.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, NOTIFY_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { workerMetrics } from '../../src/worker/metrics.js';
import { startWorkers, type RunningWorkers } from '../../src/worker/start-workers.js';
import { SupervisedWorker, type Processor } from '../../src/worker/supervised-worker.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const prefix = bullPrefix(testPrefix('watchdog'));
const connection = openRedis('redis://127.0.0.1:6379', { worker: true, name: 'narrate-test-watchdog' });
const logger = createLogger('silent');
const open: { close(): Promise<unknown> }[] = [];

async function restarts(queue: string): Promise<number> {
  const metric = await workerMetrics.watchdogRestarts.get();
  return metric.values.find((v) => v.labels.queue === queue)?.value ?? 0;
}

function supervise(name: string, processor: Processor, options: { stuckAfterMs: number; capacity?: number }) {
  const queue = new Queue(name, { connection, prefix });
  const supervised = new SupervisedWorker(
    (p) => new Worker(name, p, { connection, prefix, concurrency: options.capacity ?? 2 }),
    processor,
    { queue, capacity: options.capacity ?? 2, limiterMax: Number.MAX_SAFE_INTEGER, intervalMs: 200, stuckAfterMs: options.stuckAfterMs, retireWithinMs: 1_000, logger },
  );
  open.push({ close: () => supervised.close(true) }, { close: async () => { await queue.obliterate({ force: true }); await queue.close(); } });
  return { queue, supervised };
}

/** Leaves the worker as #3088 reports it: blocking connection ended, reconnecting never finishes. */
async function silence(worker: Worker): Promise<void> {
  const bclient = await (worker as unknown as { blockingConnection: { client: Promise<{ connect: () => Promise<void>; disconnect: (reconnect?: boolean) => void }> } }).blockingConnection.client;
  bclient.connect = () => new Promise<void>(() => undefined);
  bclient.disconnect(false);
}

afterAll(async () => {
  await connection.quit();
});

describe('the worker watchdog (BullMQ #3088)', () => {
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
  });
  it('replaces a worker that stopped taking jobs, and the jobs get done', async () => {
    const done: string[] = [];
    const { queue, supervised } = supervise('silenced', async (job: Job) => void done.push(job.name), { stuckAfterMs: 1_000 });
    await queue.add('before', {});
    await waitUntil('the first job', () => done.includes('before'), { timeoutMs: 10_000 });
    const first = supervised.worker;
    await silence(first);
    await new Promise((r) => setTimeout(r, 300));
    expect(first.isRunning(), 'the silenced worker still says it runs, as in #3088').toBe(true);
    const before = await restarts('silenced');

    await queue.addBulk([{ name: 'a', data: {} }, { name: 'b', data: {} }, { name: 'c', data: {} }]);
    await waitUntil('the jobs added after the silence', () => ['a', 'b', 'c'].every((n) => done.includes(n)), {
      timeoutMs: 15_000,
      describe: async () => JSON.stringify(await queue.getJobCounts()),
    });
    expect(supervised.worker).not.toBe(first);
    expect(await restarts('silenced')).toBe(before + 1);
    // The new Worker starts its loop once its connection is ready.
    await waitUntil('the new worker to be taking jobs', () => supervised.notTaking() === undefined, { timeoutMs: 10_000 });
  });

  it('leaves a busy worker alone: jobs waiting while every slot is taken is not being stuck', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { queue, supervised } = supervise('busy', () => gate, { stuckAfterMs: 500, capacity: 1 });
    await queue.addBulk([{ name: 'a', data: {} }, { name: 'b', data: {} }, { name: 'c', data: {} }]);
    const first = supervised.worker;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(supervised.worker).toBe(first);
    expect(await restarts('busy')).toBe(0);
    release();
    await waitUntil('the held jobs to finish', async () => (await queue.getJobCounts('completed')).completed === 3, { timeoutMs: 10_000 });
  });

  it('leaves a rate-limited queue alone (a 429 pause holds jobs on purpose)', async () => {
    const { queue, supervised } = supervise('limited', async () => undefined, { stuckAfterMs: 500 });
    const first = supervised.worker;
    await queue.rateLimit(3_000);
    await queue.addBulk([{ name: 'a', data: {} }, { name: 'b', data: {} }]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(supervised.worker).toBe(first);
    expect(await restarts('limited')).toBe(0);
  });
});

describe('every worker of a process is supervised (startWorkers)', () => {
  const narratePrefix = testPrefix('watchdog-all');
  let dir: string | undefined;
  let workers: RunningWorkers | undefined;
  let webhook: Server | undefined;

  afterEach(async () => {
    await workers?.close(true);
    workers = undefined;
    for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
    await new Promise((r) => (webhook ? webhook.close(r) : r(undefined)));
    webhook = undefined;
    await obliterateQueues(connection, bullPrefix(narratePrefix));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A webhook receiver on a free loopback port, keeping what it was posted. */
  async function receiver(): Promise<{ url: string; posts: BookNotification[] }> {
    const posts: BookNotification[] = [];
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        posts.push(JSON.parse(body) as BookNotification);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => webhook!.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`, posts };
  }

  const notification: BookNotification = { bookId: 'b1', title: 'A Book', state: 'done', output: '/out/a.wav', manifest: '/out/a.json', durationMs: 1000, costUsd: 0, reason: null };

  it.each([FINALIZE_QUEUE, ENCODE_QUEUE, ENQUEUE_QUEUE, NOTIFY_QUEUE] as const)(
    'a silenced %s worker: /healthz answers 503 naming it, the watchdog replaces it, its job is taken',
    async (name) => {
      dir = await mkdtemp(join(tmpdir(), 'narrate-watchdog-'));
      const config = loadConfig({ NARRATE_ALIGN: 'off', REDIS_URL: 'redis://127.0.0.1:6379', NARRATE_PREFIX: narratePrefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'silent', NARRATE_WEBHOOK_ALLOW_PRIVATE: 'true' });
      workers = startWorkers(config, { logger, watchdog: { intervalMs: 200, stuckAfterMs: 1_500, retireWithinMs: 1_000 } });
      const running = workers;
      await waitUntil('every worker to be running', async () => (await running.health()).ok, { timeoutMs: 10_000, describe: async () => JSON.stringify(await running.health()) });
      const first = running[name];
      await silence(first);
      await new Promise((r) => setTimeout(r, 300));
      expect(first.isRunning(), 'the silenced worker still says it runs, as in #3088').toBe(true);
      const before = await restarts(name);
      const synthesizeBefore = await restarts(SYNTHESIZE_QUEUE);

      const queue = new Queue(name, { connection, prefix: bullPrefix(narratePrefix) });
      open.push(queue);
      // The notify job is a real webhook post; the others carry nothing to work on, so their
      // processors fail at once: taken is what matters here.
      const hook = name === NOTIFY_QUEUE ? await receiver() : undefined;
      const job = await queue.add(name, hook ? { url: hook.url, notification } : {});

      const report = await waitUntil('/healthz to say the worker stopped', async () => {
        const r = await running.health();
        return !r.ok && r.checks['taking jobs']?.includes(`${name} (jobs ready`) ? r : undefined;
      }, { timeoutMs: 10_000, describe: async () => JSON.stringify(await running.health()) });
      expect(report.checks.redis).toBe('ok');
      expect(report.checks.store).toBe('ok');

      await waitUntil(`the ${name} job to be taken`, async () => {
        if (hook) return hook.posts.length > 0;
        const state = await BullJob.fromId(queue, job.id!).then((j) => j?.getState());
        return state !== undefined && state !== 'waiting' && state !== 'prioritized';
      }, { timeoutMs: 15_000, describe: async () => JSON.stringify(await queue.getJobCounts()) });
      if (hook) expect(hook.posts).toEqual([notification]);
      expect(running[name]).not.toBe(first);
      expect(await restarts(name)).toBe(before + 1);
      expect(await restarts(SYNTHESIZE_QUEUE), 'only the silenced worker is replaced').toBe(synthesizeBefore);
      await waitUntil('/healthz to answer ok again', async () => (await running.health()).ok, {
        timeoutMs: 10_000,
        describe: async () => JSON.stringify(await running.health()),
      });
    },
  );
});
