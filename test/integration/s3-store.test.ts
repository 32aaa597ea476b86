/**
 * The S3 segment store against a real S3-protocol server on loopback (s3rver behind the test proxy
 * that honours If-None-Match and If-Match and injects faults): the cache question by HEAD, samples
 * streamed by range, conditional PUTs (a leftover at a key replaced, a server without conditional
 * writes), throttling retried, a reading that could not be stored uploaded by the next attempt
 * without a model call, half uploads never counted, start-up checks.
 */
import { CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textKey } from '../../src/store/text-key.js';
import { tone } from '../../src/audio/tone.js';
import { BOOK_FORMAT } from '../../src/audio/wav-format.js';
import { writeWav } from '../../src/audio/write-wav.js';
import { loadConfig } from '../../src/config.js';
import { StoreError } from '../../src/errors.js';
import type { NarrationRequest, NarrationResult, Narrator } from '../../src/providers/narrator.js';
import type { SynthesizeJobData, SynthesizeResult } from '../../src/contracts/job-data.js';
import { createS3Client } from '../../src/store/s3-client.js';
import { S3SegmentStore } from '../../src/store/s3-segment-store.js';
import type { SegmentMeta } from '../../src/store/stored-segment.js';
import { parseS3Url } from '../../src/store/store-location.js';
import { synthesizeChunk } from '../../src/worker/synthesize-chunk.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const BUCKET = 'store-test';

function meta(key: string): SegmentMeta {
  return {
    key,
    provider: 'chat-audio',
    model: 'gpt-4o-audio-preview',
    voice: 'alloy',
    durationMs: 1500,
    transcript: 'Café, “quoted”, and a transcript that stays in the object body.',
    similarity: 0.97,
    calls: 2,
    rejections: [{ reason: 'cut-off', detail: 'finish_reason length' }],
    usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 },
    createdAt: '2026-11-24T00:00:00.000Z',
  };
}

const keyOf = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('S3SegmentStore', () => {
  let s3: S3TestServer;
  let spool: string;
  const stores: S3SegmentStore[] = [];
  const pcm = tone(BOOK_FORMAT, 1500, 440);

  const warnings: { fields: object; message: string }[] = [];
  const logger = { warn: (fields: object, message: string) => void warnings.push({ fields, message }) };
  const open = (env: Record<string, string> = {}, url = `s3://${BUCKET}/segments`, options: { maxAttempts?: number } = {}) => {
    const config = loadConfig({ NARRATE_ALIGN: 'off', ...s3.env, NARRATE_STORE_URL: url, ...env });
    const client = options.maxAttempts === undefined ? {} : { client: createS3Client(config.s3, { maxAttempts: options.maxAttempts }) };
    const store = new S3SegmentStore(parseS3Url(url), config.s3, spool, { logger, ...client });
    stores.push(store);
    return store;
  };
  /** Every file left under the spool, kept readings included. */
  const spoolFiles = async () => (await readdir(spool, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  const spooled = async (store: S3SegmentStore) => (await store.spool().fromBuffer(writeWav(BOOK_FORMAT, pcm))).path;

  beforeAll(async () => {
    s3 = await startS3Server([BUCKET]);
    spool = await mkdtemp(join(tmpdir(), 'narrate-s3-spool-'));
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await s3?.close();
    if (spool) await rm(spool, { recursive: true, force: true });
  });

  it('answers the cache question with a HEAD, and streams back only the samples', async () => {
    const store = open();
    const key = keyOf(1);
    expect(await store.head(key)).toBeUndefined();
    const before = { ...s3.requests };
    await store.put(key, await spooled(store), meta(key));
    expect(await readdir(spool)).toEqual([]);
    const head = await store.head(key);
    expect(head?.wav).toEqual({ format: BOOK_FORMAT, dataOffset: 44, dataBytes: pcm.length, durationMs: 1500 });
    expect(head?.meta).toMatchObject({ key, durationMs: 1500, similarity: 0.97, calls: 2, voice: 'alloy' });
    // One PUT and one HEAD: no GET was needed to know the segment is there and how long it is.
    expect((s3.requests.PUT ?? 0) - (before.PUT ?? 0)).toBe(1);
    expect(s3.requests.GET ?? 0).toBe(before.GET ?? 0);
    const samples = await readAll(await store.readSamples(key, head!.wav));
    expect(samples.equals(pcm)).toBe(true);
  });

  it('keeps sentence timings in the object and reads them back with one ranged GET of the metadata, not the audio', async () => {
    const store = open();
    const key = keyOf(3);
    const timings = { reference: 'en-us', cost: 0.61, sentences: Array.from({ length: 40 }, (_, i) => ({ text: `Sentence number ${i} of a long chunk, “quoted”.`, startMs: i * 300, endMs: i * 300 + 250, confidence: 0.8 })) };
    await store.put(key, await spooled(store), { ...meta(key), timings });
    const head = await store.head(key);
    // Too big for S3's 2 KB of user metadata: the HEAD leaves them out...
    expect(head?.meta.timings).toBeUndefined();
    const gets = s3.requests.GET ?? 0;
    // ... and the metadata chunk after the samples brings them back.
    const full = await store.readMeta(key, head!.wav);
    expect(full?.timings).toEqual(timings);
    expect(full?.transcript).toBe(meta(key).transcript);
    expect((s3.requests.GET ?? 0) - gets).toBe(1);
    expect(await store.readMeta(keyOf(99), head!.wav)).toBeUndefined();
  });

  it('treats 412 from a conditional PUT as stored by another worker', async () => {
    const a = open();
    const b = open();
    const key = keyOf(2);
    await a.put(key, await spooled(a), meta(key));
    const failures = s3.preconditionFailures;
    const path = await spooled(b);
    await expect(b.put(key, path, meta(key))).resolves.toBeUndefined();
    expect(s3.preconditionFailures).toBe(failures + 1);
    expect(await readdir(spool)).toEqual([]);
    expect((await b.head(key))?.meta.key).toBe(key);
  });

  it('replaces an object at the key that is not a valid segment (a leftover, a half copy), and says so', async () => {
    const store = open();
    for (const [n, metadata] of [[10, undefined], [11, { narrate: 'half-copied' }]] as const) {
      const key = keyOf(n);
      // Written through the proxy, so If-None-Match: * is answered 412 for it, as S3 would.
      await store.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: store.objectKey(key), Body: Buffer.from('not a segment'), ...(metadata ? { Metadata: metadata } : {}) }));
      expect(await store.head(key)).toBeUndefined();
      const failures = s3.preconditionFailures;
      const heads = s3.requests.HEAD ?? 0;
      warnings.length = 0;
      await store.put(key, await spooled(store), meta(key));
      // One 412 (the leftover), one HEAD to look at it, then the If-Match write went through.
      expect(s3.preconditionFailures).toBe(failures + 1);
      expect((s3.requests.HEAD ?? 0) - heads).toBe(1);
      const head = await store.head(key);
      expect(head?.meta.key).toBe(key);
      expect((await readAll(await store.readSamples(key, head!.wav))).equals(pcm)).toBe(true);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.message).toMatch(/not a valid segment .*replacing it/);
      expect(warnings[0]!.fields).toMatchObject({ key, store: `s3://${BUCKET}/segments/` });
      expect(JSON.stringify(warnings)).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
      expect(await spoolFiles()).toEqual([]);
    }
  });

  it('falls back to plain PUTs on a server without conditional writes (501), once', async () => {
    s3.conditionalWrites = false;
    try {
      const store = open();
      const puts = s3.requests.PUT ?? 0;
      await store.put(keyOf(12), await spooled(store), meta(keyOf(12)));
      // The conditional PUT answered 501, then the plain one.
      expect((s3.requests.PUT ?? 0) - puts).toBe(2);
      await store.put(keyOf(13), await spooled(store), meta(keyOf(13)));
      // Known from then on: one PUT.
      expect((s3.requests.PUT ?? 0) - puts).toBe(3);
      // Storing a key again is a plain overwrite: the same key is the same audio.
      await store.put(keyOf(12), await spooled(store), meta(keyOf(12)));
      expect((s3.requests.PUT ?? 0) - puts).toBe(4);
      for (const n of [12, 13]) expect((await store.head(keyOf(n)))?.meta.key).toBe(keyOf(n));
      expect(await spoolFiles()).toEqual([]);
    } finally {
      s3.conditionalWrites = true;
    }
  });

  it('keeps a reading whose upload failed, and the next attempt uploads it without calling the model', async () => {
    // Two attempts per request, so each failed store write costs two PUTs; four failures = two attempts of the job.
    const store = open({}, `s3://${BUCKET}/segments`, { maxAttempts: 2 });
    const text = 'The ferry did not run that spring, and we waited on the bank until the evening bell.';
    const narrator: Narrator & { calls: number } = {
      name: 'counting',
      model: 'tone',
      calls: 0,
      async narrate(request: NarrationRequest): Promise<NarrationResult> {
        this.calls++;
        const audio = await store.spool().fromBuffer(writeWav(BOOK_FORMAT, tone(BOOK_FORMAT, (request.text.length / 15) * 1000, 440)));
        return { audio, transcript: request.text, finishReason: 'stop', usage: { promptTokens: 7, completionTokens: 11, totalTokens: 18 } };
      },
    };
    const data: SynthesizeJobData = { bookId: 'kept-book', index: 0, chapter: 0, text, voice: 'alloy', style: '', language: 'en' };
    const deps = { narrator, store, spool: store.spool() };
    s3.failNext(4, 503, 'SlowDown', 'PUT');
    const failures: unknown[] = [];
    let result: SynthesizeResult | undefined;
    for (let attempt = 1; attempt <= 5 && !result; attempt++) {
      try {
        result = await synthesizeChunk(data, deps);
      } catch (error) {
        failures.push(error);
        expect(error).toBeInstanceOf(StoreError);
        expect((error as StoreError).retryable).toBe(true);
        // Between attempts the reading waits in the spool, under its segment key.
        expect(await spoolFiles()).toEqual([`${(error as StoreError).message.match(/segment ([0-9a-f]{64})/)![1]}.wav`]);
      }
    }
    expect(failures).toHaveLength(2);
    expect(narrator.calls).toBe(1);
    expect(result).toMatchObject({ cached: false, calls: 1, usage: { totalTokens: 18 } });
    const head = await store.head(result!.key);
    expect(head?.meta).toMatchObject({ key: result!.key, calls: 1, provider: 'counting' });
    expect(head?.wav.durationMs).toBeCloseTo((text.length / 15) * 1000, -1);
    // The job reports the segment's length in samples, as the store holds it (a wav part is laid out from it).
    expect(result!.samples).toBe(head!.wav.dataBytes / 2);
    expect(await spoolFiles()).toEqual([]);
    expect(existsSync(join(spool, 'kept', `${result!.key}.wav`))).toBe(false);
    // Stored now: another attempt finds it by HEAD.
    expect(await synthesizeChunk(data, deps)).toMatchObject({ cached: true, calls: 0, samples: head!.wav.dataBytes / 2 });
    expect(narrator.calls).toBe(1);
  });

  it('retries 503 SlowDown with backoff until the bucket answers', async () => {
    const store = open();
    const key = keyOf(3);
    const puts = s3.requests.PUT ?? 0;
    s3.failNext(3);
    await store.put(key, await spooled(store), meta(key));
    expect((s3.requests.PUT ?? 0) - puts).toBe(4);
    s3.failNext(2);
    expect((await store.head(key))?.meta.key).toBe(key);
  });

  it('fails with the store and the cause when throttling outlasts every attempt', async () => {
    const store = open();
    s3.failNext(100);
    const error = await store.head(keyOf(4)).catch((e: unknown) => e);
    s3.failNext(0);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/s3:\/\/store-test\/segments\/.*throttled \(503 SlowDown\)/);
    expect((error as StoreError).retryable).toBe(true);
  }, 60_000);

  it('never counts an object without its head, or a multipart upload not completed', async () => {
    const store = open();
    const plain = keyOf(5);
    await store.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: store.objectKey(plain), Body: writeWav(BOOK_FORMAT, pcm) }));
    expect(await store.head(plain)).toBeUndefined();
    const half = keyOf(6);
    const { UploadId } = await store.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: store.objectKey(half), Metadata: { narrate: 'x' } }));
    await store.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: store.objectKey(half), UploadId, PartNumber: 1, Body: writeWav(BOOK_FORMAT, pcm) }));
    expect(await store.head(half)).toBeUndefined();
  });

  it('lists and removes segments', async () => {
    const store = open();
    const listed = [];
    for await (const o of store.list()) listed.push(o.key);
    expect(listed).toEqual(expect.arrayContaining([keyOf(1), keyOf(2), keyOf(3)]));
    await store.remove(keyOf(1));
    expect(await store.head(keyOf(1))).toBeUndefined();
    await expect(store.remove(keyOf(1))).resolves.toBeUndefined();
  });

  it('keeps text objects by content beside the segments: read back, listed as texts/<hash>, removed', async () => {
    const store = open();
    const body = Buffer.from(JSON.stringify({ chunks: [{ index: 0, text: 'The lamp was lit at dusk.' }] }));
    const key = textKey(body);
    expect(await store.getText(key)).toBeUndefined();
    await store.putText(key, body);
    await store.putText(key, body);
    expect((await store.getText(key))?.equals(body)).toBe(true);
    const listed = [];
    for await (const o of store.list()) listed.push(o.key);
    expect(listed).toContain(`texts/${key}`);
    expect(listed).not.toContain(key);
    await store.remove(`texts/${key}`);
    expect(await store.getText(key)).toBeUndefined();
  });

  it('start-up check: names the store and the cause, never the secret', async () => {
    await expect(open().probe()).resolves.toBeUndefined();
    const secret = 'wrong-secret-value-123';
    const bad = open({ AWS_ACCESS_KEY_ID: 'NOPE', AWS_SECRET_ACCESS_KEY: secret });
    const denied = (await bad.probe().catch((e: unknown) => e)) as Error;
    expect(denied.message).toMatch(/start-up check failed for store s3:\/\/store-test\/segments\/ \(endpoint http:\/\/127\.0\.0\.1:\d+\): access denied \(403 /);
    expect(denied.message).not.toContain(secret);
    const missing = (await open({}, 's3://no-such-bucket/x').probe().catch((e: unknown) => e)) as Error;
    expect(missing.message).toMatch(/s3:\/\/no-such-bucket\/x\/.*the bucket does not exist \(404 NoSuchBucket\)/);
    const port = await closedPort();
    const started = Date.now();
    const unreachable = (await open({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` }).probe().catch((e: unknown) => e)) as Error;
    expect(unreachable.message).toMatch(new RegExp(`endpoint http://127\\.0\\.0\\.1:${port}\\): cannot reach the endpoint \\(ECONNREFUSED`));
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
