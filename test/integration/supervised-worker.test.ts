/**
 * BullMQ #3088: a Worker that stops taking jobs without a word (its blocking connection ended and
 * never comes back, isRunning() still true). The watchdog sees jobs waiting, room in the worker,
 * nothing holding them, and nothing taken: it starts a new Worker, and the jobs get done.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { openRedis } from '../../src/queue/connection.js';
import { bullPrefix } from '../../src/queue/names.js';
import { workerMetrics } from '../../src/worker/metrics.js';
import { SupervisedWorker, type Processor } from '../../src/worker/supervised-worker.js';
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

describe('the worker watchdog (BullMQ #3088)', () => {
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
  });
  afterAll(async () => {
    await connection.quit();
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
    await waitUntil('the new worker to be taking jobs', () => supervised.taking(), { timeoutMs: 10_000 });
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
