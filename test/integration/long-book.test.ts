/**
 * A long book: it goes to Redis as its `finalize` job over one `enqueue` job (its plan's key), and
 * the admission stage adds its parts and chunks from the stored plan, in batches. Real Redis, real workers; the fake model answers.
 * What a user must never see: a book finalized before all its chunks were in, a chunk queued or
 * bought twice, or chunks missing from the book.
 */
import { readFile } from 'node:fs/promises';
import { FlowProducer, Job, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createLogger } from '../../src/logger.js';
import { openRedis } from '../../src/queue/connection.js';
import { addParts, enqueueProcessor } from '../../src/producer/enqueue-processor.js';
import { TextCache } from '../../src/store/text-objects.js';
import { openSegmentStore } from '../../src/store/open-segment-store.js';
import type { StoredPlan } from '../../src/contracts/job-data.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { chunkJobId, enqueueJobId, partsOf } from '../../src/queue/build-flow.js';
import { ADMISSION_LIMITER } from '../../src/producer/enqueue-processor.js';
import { promoteBooks } from '../../src/producer/promote-books.js';
import { BookFlowProducer } from '../../src/queue/book-flow-producer.js';
import type { EnqueueJobData, FinalizeJobData } from '../../src/contracts/job-data.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { writeParagraphBook } from '../helpers/paragraph-book.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { waitUntil } from '../helpers/wait-until.js';

const KEY = 'sk-test-long-book';
const CHUNKS = 250;

describe('a book longer than one flow', () => {
  let fake: FakeModelServer;
  let h: Harness | undefined;
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  const producers: FlowProducer[] = [];
  /** A connection for a test's own BullMQ worker, closed after the test. */
  const workerConnection = () => {
    const c = openRedis(h!.config.redisUrl, { worker: true });
    connections.push(c);
    return c;
  };

  beforeAll(async () => {
    fake = await startFakeModel({ apiKey: KEY });
  });
  afterEach(async () => {
    await Promise.allSettled(workers.splice(0).map((w) => w.close(true)));
    await Promise.allSettled(producers.splice(0).map((p) => p.close()));
    await Promise.allSettled(connections.splice(0).map((c) => c.quit()));
    await h?.close();
    h = undefined;
  });
  afterAll(async () => fake?.close());

  /** The enqueue processor as a worker would run it, on the test's own connections. */
  const enqueueWorker = (queues: Harness['queues'], prefix: string) => {
    const flows = new FlowProducer({ connection: workerConnection(), prefix });
    producers.push(flows);
    const texts = new TextCache(openSegmentStore(h!.config));
    const processor = enqueueProcessor({
      flows,
      finalize: queues.finalize,
      encode: queues.encode,
      synthesize: queues.synthesize,
      enqueue: queues.enqueue,
      logger: createLogger('silent'),
      texts,
      retry: { attempts: h!.config.maxAttempts, backoffMs: h!.config.backoffMs },
      // Every chunk at once: the window is admission.test.ts's subject.
      window: 1_000_000,
      batch: 40,
    });
    return new Worker(ENQUEUE_QUEUE, processor, { connection: workerConnection(), prefix, limiter: ADMISSION_LIMITER });
  };

  const harness = async () => (h = await createHarness('long-book', { NARRATE_API_KEY: KEY, NARRATE_BASE_URL: fake.url }));

  /** A long book submitted and moved into BullMQ (its finalize and enqueue jobs), with no worker running. */
  async function submitOnly(name: string) {
    const { config, connection, queues, dir } = await harness();
    const book = await writeParagraphBook(dir, name, CHUNKS);
    const { books } = await submitBooks([book.path], { outDir: dir, format: 'wav', maxChars: book.maxChars }, config, connection);
    const producer = new BookFlowProducer({ connection: workerConnection(), prefix: bullPrefix(config.prefix) });
    producers.push(producer);
    const promoted = await promoteBooks({ redis: connection, prefix: config.prefix, shardPrefix: bullPrefix(config.prefix), producer, finalize: queues.finalize, enqueue: queues.enqueue, texts: new TextCache(openSegmentStore(config)), logger: createLogger('silent') });
    expect(promoted).toBe(1);
    return { book, bookId: books[0]!.bookId, queues, prefix: bullPrefix(config.prefix) };
  }

  it('is narrated whole: every chunk once, in order, each bought once', async () => {
    const harness_ = await harness();
    const book = await writeParagraphBook(harness_.dir, 'long', CHUNKS);
    const firstCall = fake.calls.length;
    const { submission, statuses } = await harness_.narrate([book.path], { format: 'wav', maxChars: book.maxChars });
    expect(submission.books[0]!.chunks).toBe(CHUNKS);
    expect(statuses[0]!.state).toBe('done');
    expect(statuses[0]!.chunksDone).toBe(CHUNKS);

    const calls = fake.calls.slice(firstCall);
    expect(calls).toHaveLength(CHUNKS);
    expect(calls.map((c) => c.text).sort()).toEqual([...book.paragraphs].sort());

    const report = JSON.parse(await readFile(statuses[0]!.output!.replace(/\.wav$/, '.json'), 'utf8')) as { chunks: { index: number; chars: number }[]; totals: { chunks: number } };
    expect(report.chunks.map((c) => c.index)).toEqual(book.paragraphs.map((_, i) => i));
    expect(report.chunks.map((c) => c.chars)).toEqual(book.paragraphs.map((p) => p.length));
    expect(report.totals.chunks).toBe(CHUNKS);
    // The enqueue job is gone once done: the rest of the text is not kept twice.
    expect(await harness_.queues.enqueue.getJobCounts('completed', 'failed', 'wait', 'active')).toEqual({ completed: 0, failed: 0, wait: 0, active: 0 });
  });

  it('cannot finalize before its enqueue job has added its parts', async () => {
    const { book, bookId, queues, prefix } = await submitOnly('gated');
    const finalizeJob = (await Job.fromId<FinalizeJobData>(queues.finalize, bookId))!;
    // Submitted, not admitted: no chunk or part job yet; the book waits on its enqueue job alone.
    expect(await queues.synthesize.count()).toBe(0);
    expect(await queues.encode.count()).toBe(0);
    expect(await finalizeJob.getDependenciesCount()).toMatchObject({ processed: 0, unprocessed: 1 });

    // Chunks and parts done by stand-in workers (no finalize worker runs: the book's state is the question).
    workers.push(new Worker(SYNTHESIZE_QUEUE, async (job) => ({ index: job.data.index }), { connection: workerConnection(), prefix, concurrency: 50 }));
    workers.push(new Worker(ENCODE_QUEUE, async (job) => ({ part: job.data.part, chunks: Object.values(await job.getChildrenValues()) }), { connection: workerConnection(), prefix, concurrency: 50 }));
    await new Promise((r) => setTimeout(r, 300));
    expect(await finalizeJob.getState()).toBe('waiting-children');

    workers.push(enqueueWorker(queues, prefix));
    await waitUntil('every chunk to be done', async () => (await queues.synthesize.getCompletedCount()) === CHUNKS, { timeoutMs: 15_000 });
    await waitUntil('the book to be ready to finalize', async () => (await finalizeJob.getState()) === 'waiting', { timeoutMs: 5_000 });
    const values = await finalizeJob.getChildrenValues<{ part: number; chunks: { index: number }[] }>();
    expect(Object.values(values).map((v) => v.part).sort((a, b) => a - b)).toEqual(finalizeJob.data.parts.map((p) => p.part));
    expect(Object.values(values).flatMap((v) => v.chunks.map((c) => c.index)).sort((a, b) => a - b)).toEqual(book.paragraphs.map((_, i) => i));
  });

  it('adds nothing twice when a worker died halfway through adding the rest', async () => {
    const { book, bookId, queues, prefix } = await submitOnly('retried');
    const enqueueJob = (await Job.fromId<EnqueueJobData>(queues.enqueue, enqueueJobId(bookId)))!;
    // What the first worker got in before it died: the first two parts, its progress not yet recorded.
    const flows = new FlowProducer({ connection: workerConnection(), prefix });
    producers.push(flows);
    const stored = JSON.parse((await openSegmentStore(h!.config).getText(enqueueJob.data.plan))!.toString()) as StoredPlan;
    const parts = partsOf(stored, enqueueJob.data.plan);
    await addParts({ flows, encode: queues.encode }, bookId, parts.slice(0, 2), { attempts: h!.config.maxAttempts, backoffMs: h!.config.backoffMs }, prefix);

    workers.push(enqueueWorker(queues, prefix));
    await waitUntil('the enqueue job to finish', async () => (await Job.fromId(queues.enqueue, enqueueJobId(bookId))) === undefined, { timeoutMs: 15_000 });
    expect(await queues.synthesize.getJobCountByTypes('wait')).toBe(CHUNKS);
    const ids = (await queues.synthesize.getWaiting(0, -1)).map((j) => j.id);
    expect(new Set(ids).size).toBe(CHUNKS);
    expect(ids.sort()).toEqual(book.paragraphs.map((_, i) => chunkJobId(bookId, i)).sort());
    // The book waits on its parts alone, each counted once, and each part on its own chunks.
    const finalizeJob = (await Job.fromId<FinalizeJobData>(queues.finalize, bookId))!;
    expect(await queues.encode.getJobCountByTypes('waiting-children')).toBe(parts.length);
    expect(await finalizeJob.getDependenciesCount()).toMatchObject({ processed: 0, unprocessed: parts.length });
  });
});
