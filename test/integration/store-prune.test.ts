/**
 * `narrate store prune`: old segments no book in Redis uses go, from a directory or a bucket;
 * segments a book still in Redis uses, and young ones, stay.
 */
import { FlowProducer, Worker } from 'bullmq';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone } from '../../src/audio/tone.js';
import { BOOK_FORMAT } from '../../src/audio/wav-format.js';
import { writeWav } from '../../src/audio/write-wav.js';
import { loadConfig } from '../../src/config.js';
import { bookKeys, removeBookRecord } from '../../src/queue/book-record.js';
import { openRedis } from '../../src/queue/connection.js';
import { SegmentRefs } from '../../src/queue/segment-refs.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { referencedSegments } from '../../src/queue/referenced-segments.js';
import { FsSegmentStore } from '../../src/store/fs-segment-store.js';
import { parseAge, pruneSegments } from '../../src/store/prune-segments.js';
import { S3SegmentStore } from '../../src/store/s3-segment-store.js';
import type { SegmentStore } from '../../src/store/segment-store.js';
import type { SegmentMeta } from '../../src/store/stored-segment.js';
import { parseS3Url } from '../../src/store/store-location.js';
import { openBookQueues, type BookQueues } from '../helpers/book-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const keyOf = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const meta = (key: string): SegmentMeta => ({
  key,
  provider: 'offline',
  model: 'espeak-ng',
  voice: 'en',
  durationMs: 200,
  transcript: '',
  similarity: 1,
  calls: 1,
  rejections: [],
  usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
  createdAt: new Date().toISOString(),
});

async function putSegment(store: SegmentStore, key: string): Promise<void> {
  const spooled = await store.spool().fromBuffer(writeWav(BOOK_FORMAT, tone(BOOK_FORMAT, 200, 440)));
  await store.put(key, spooled.path, meta(key));
}

async function keysIn(store: SegmentStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list()) keys.push(o.key);
  return keys.sort();
}

describe('store prune', () => {
  const prefix = testPrefix('prune');
  let dir: string;
  let s3: S3TestServer;
  let queues: BookQueues;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-prune-'));
    s3 = await startS3Server(['prune']);
    queues = openBookQueues(prefix);
  });
  afterAll(async () => {
    await queues?.destroy();
    await s3?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('parses ages', () => {
    expect(parseAge('30d')).toBe(30 * 86_400_000);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('2w')).toBe(14 * 86_400_000);
    expect(parseAge('30 days')).toBeUndefined();
    expect(parseAge('-1d')).toBeUndefined();
  });

  it('keeps the segments a book in Redis uses, and removes other old ones from a directory (the CLI)', async () => {
    const storeDir = join(dir, 'segments');
    const store = new FsSegmentStore(storeDir);
    for (const n of [1, 2, 3]) await putSegment(store, keyOf(n));
    // 1 and 2 are forty days old; 3 is new. A book in Redis uses 1.
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (const n of [1, 2]) await utimes(store.audioPath(keyOf(n)), old, old);

    const producer = new FlowProducer({ connection: queues.connection, prefix: bullPrefix(prefix) });
    await producer.add({ name: 'finalize', queueName: FINALIZE_QUEUE, data: {}, opts: { jobId: 'book-1' }, children: [{ name: 'synthesize', queueName: SYNTHESIZE_QUEUE, data: {}, opts: { jobId: 'book-1-0' } }] });
    await producer.close();
    const workerConnection = openRedis('redis://127.0.0.1:6379', { worker: true, name: 'narrate-test-prune' });
    const worker = new Worker(SYNTHESIZE_QUEUE, async () => ({ index: 0, key: keyOf(1) }), { connection: workerConnection, prefix: bullPrefix(prefix) });
    await waitUntil('the chunk to complete', async () => (await queues.synthesize.getCompletedCount()) === 1 || undefined, { timeoutMs: 20_000 });
    await worker.close();
    await workerConnection.quit();
    expect([...(await referencedSegments(queues.finalize, queues.synthesize))]).toEqual([keyOf(1)]);

    const env = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: storeDir };
    const dry = await runCli(['store', 'prune', '--older-than', '30d', '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^would remove 1 segment\(s\) .* kept 1 used by books in Redis .* and 1 younger/);
    expect(await keysIn(store)).toEqual([keyOf(1), keyOf(2), keyOf(3)]);
    const real = await runCli(['store', 'prune', '--older-than', '30d'], env);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/^removed 1 segment\(s\)/);
    expect(await keysIn(store)).toEqual([keyOf(1), keyOf(3)]);

    const bad = await runCli(['store', 'prune', '--older-than', 'a month'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--older-than: expected an age such as 30d, 12h, 90m or 2w, got "a month"');
  });

  it('prunes a bucket the same way', async () => {
    const config = loadConfig({ ...s3.env, NARRATE_STORE_URL: 's3://prune/seg' });
    const store = new S3SegmentStore(parseS3Url('s3://prune/seg'), config.s3, join(dir, 'spool'));
    try {
      for (const n of [4, 5]) await putSegment(store, keyOf(n));
      // S3 keeps LastModified to the second: the cut-off falls clearly between the two groups.
      await sleep(1_200);
      const cutoff = new Date();
      await sleep(1_200);
      await putSegment(store, keyOf(6));
      const outcome = await pruneSegments(store, { cutoff, referenced: new Set([keyOf(4)]) });
      expect(outcome).toMatchObject({ removed: 1, keptReferenced: 1, keptRecent: 1 });
      expect(await keysIn(store)).toEqual([keyOf(4), keyOf(6)]);
    } finally {
      await store.close();
    }
  });

  it('a worker that wants a segment a prune is deleting waits for the delete; a prune never claims one a book holds', async () => {
    const refs = new SegmentRefs(queues.connection, prefix);
    const redis = queues.connection;
    for (const id of ['b1', 'b2']) await redis.hset(bookKeys(prefix, id).record, 'bookId', id);

    // The prune claimed it first (a second prune does not): the worker's lookup waits until the delete is done.
    expect(await refs.claim(keyOf(7))).toBe(true);
    expect(await refs.claim(keyOf(7))).toBe(false);
    let recorded = false;
    const using = refs.use('b1', [keyOf(7)]).then(() => {
      recorded = true;
    });
    await sleep(400);
    expect(recorded).toBe(false);
    await refs.release(keyOf(7));
    await using;
    expect(recorded).toBe(true);

    // Held by two books now: no prune claims it until both have left Redis.
    await refs.use('b2', [keyOf(7)]);
    expect(await refs.claim(keyOf(7))).toBe(false);
    await removeBookRecord(redis, prefix, 'b1');
    expect(await refs.held(keyOf(7))).toBe(true);
    expect(await refs.claim(keyOf(7))).toBe(false);
    await removeBookRecord(redis, prefix, 'b2');
    expect(await refs.held(keyOf(7))).toBe(false);
    expect(await refs.claim(keyOf(7))).toBe(true);
    await refs.release(keyOf(7));

    // A book no longer in Redis (purged while a job of it ran) holds nothing.
    await refs.use('gone', [keyOf(8)]);
    expect(await refs.held(keyOf(8))).toBe(false);
  });
});
