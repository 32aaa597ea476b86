/**
 * A book's status read from Redis while its jobs move: a `finalize` job read just before it failed
 * and whose state is read just after must still say why it failed (the watcher of `narrate run`
 * and the dashboard read them in that order), not "unknown reason"; one read just before it completed
 * must still give its output, not crash on a result it was read without.
 */
import { Job, Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusOfJob } from '../../src/books/book-status.js';
import { openRedis } from '../../src/queue/connection.js';
import type { FinalizeJobData } from '../../src/contracts/job-data.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { testPrefix } from '../helpers/test-prefix.js';

describe('a book status read while its job finishes', () => {
  const prefix = bullPrefix(testPrefix('book-status'));
  const connection = openRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const finalize = new Queue(FINALIZE_QUEUE, { connection, prefix });
  const synthesize = new Queue(SYNTHESIZE_QUEUE, { connection, prefix });
  const workerConnection = openRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { worker: true });
  let worker: Worker | undefined;
  beforeAll(async () => {
    await finalize.waitUntilReady();
  });
  afterAll(async () => {
    await worker?.close();
    await obliterateQueues(connection, prefix).catch(() => undefined);
    await Promise.allSettled([finalize.close(), synthesize.close()]);
    await connection.quit();
    await workerConnection.quit().catch(() => workerConnection.disconnect());
  });

  it('gives the reason of a job that failed after it was read', async () => {
    const data = { bookId: 'b1', title: 'T', author: 'A', voice: 'v', format: 'm4b', outDir: '/tmp', slug: 't', chapters: [], chunks: [], parts: [], sources: [], language: 'en', submittedAt: new Date().toISOString(), finish: { loudness: 'off', narrator: 'v', credits: false, split: false } } as FinalizeJobData;
    await finalize.add('finalize', data, { jobId: 'b1', attempts: 1 });
    const stale = (await Job.fromId<FinalizeJobData>(finalize, 'b1'))!;
    expect(stale.failedReason).toBeUndefined();
    worker = new Worker(FINALIZE_QUEUE, async (): Promise<unknown> => { throw new Error('no space left on the disk of /out'); }, { connection: workerConnection, prefix });
    await new Promise<void>((resolve) => worker!.once('failed', () => resolve()));
    const status = await statusOfJob(stale, synthesize);
    expect(status.state).toBe('failed');
    expect(status.reason).toBe('no space left on the disk of /out');
  });

  it('gives the output of a job that completed after it was read', async () => {
    await worker?.close();
    const data = { bookId: 'b2', title: 'T', author: 'A', voice: 'v', format: 'm4b', outDir: '/tmp', slug: 't', chapters: [], chunks: [], parts: [], sources: [], language: 'en', submittedAt: new Date().toISOString(), finish: { loudness: 'off', narrator: 'v', credits: false, split: false } } as FinalizeJobData;
    await finalize.add('finalize', data, { jobId: 'b2', attempts: 1 });
    const stale = (await Job.fromId<FinalizeJobData>(finalize, 'b2'))!;
    worker = new Worker(FINALIZE_QUEUE, async () => ({ output: '/out/t.m4b' }), { connection: workerConnection, prefix });
    await new Promise<void>((resolve) => worker!.once('completed', () => resolve()));
    const status = await statusOfJob(stale, synthesize);
    expect(status.state).toBe('done');
    expect(status.output).toBe('/out/t.m4b');
  });
});
