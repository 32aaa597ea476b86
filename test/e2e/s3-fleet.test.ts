/**
 * A fleet with no shared volume: workers, each in its own empty working directory, share only
 * Redis and an S3 bucket (s3rver on loopback, behind the test proxy). One is SIGKILLed mid-book
 * while audio is in its spool, and restarted in its directory (a supervisor's restart on the same
 * host): the restarted worker removes what the dead one left in the spool. The book still lands in
 * the bucket, nothing at all is left under any worker's directory, and the same book in another
 * format costs no model call, its parts and chapter files passing through the bucket.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import { createS3Client } from '../../src/store/s3-client.js';
import { prefetchFor } from '../../src/worker/call-slots.js';
import { openBookQueues, type BookQueues } from '../helpers/book-queues.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { writeParagraphBook } from '../helpers/paragraph-book.js';
import { runCli } from '../helpers/run-cli.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { killAllSpawned, spawnProcess, type SpawnedProcess } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/narrate.js', import.meta.url));
const KEY = 's3-fleet-key';
const CHUNKS = 30;
const BUCKET = 'fleet';

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describe('a fleet sharing only Redis and a bucket', () => {
  const prefix = testPrefix('e2e-s3-fleet');
  let dir: string;
  let s3: S3TestServer;
  let fake: FakeModelServer;
  let queues: BookQueues;
  let env: Record<string, string>;
  const workerDirs: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-s3-fleet-'));
    s3 = await startS3Server([BUCKET]);
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 300, jitterMs: 50 });
    queues = openBookQueues(prefix);
    env = {
      ...s3.env,
      NARRATE_PREFIX: prefix,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_URL: `s3://${BUCKET}/segments`,
      NARRATE_LOCK_DURATION_MS: '2000',
      NARRATE_LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await killAllSpawned();
    await queues?.destroy();
    await fake?.close();
    await s3?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A worker in a directory of its own (fresh, or a dead worker's: a restart), its temp dir (and so its spool) inside it. */
  async function startWorker(name: string): Promise<SpawnedProcess> {
    const home = join(dir, name);
    await mkdir(join(home, 'tmp'), { recursive: true });
    if (!workerDirs.includes(home)) workerDirs.push(home);
    return spawnProcess(process.execPath, [BIN, 'worker'], { ...env, TMPDIR: join(home, 'tmp'), NARRATE_CONCURRENCY: '3' }, { cwd: home });
  }

  async function download(url: string, to: string): Promise<string> {
    const config = loadConfig(env);
    const client = createS3Client(config.s3);
    try {
      const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)!;
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await pipeline(out.Body as Readable, createWriteStream(to));
      return to;
    } finally {
      client.destroy();
    }
  }

  async function listKeys(under: string): Promise<string[]> {
    const client = createS3Client(loadConfig(env).s3);
    try {
      const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: under }));
      return (out.Contents ?? []).map((o) => o.Key!);
    } finally {
      client.destroy();
    }
  }

  it('finishes a book into the bucket while a worker is killed, and never buys a segment twice', async () => {
    const bookDir = join(dir, "input");
    await mkdir(bookDir);
    const book = await writeParagraphBook(bookDir, 's3-book', CHUNKS);
    const submitted = await runCli(['submit', book.path, '--out', `s3://${BUCKET}/books/`, '--format', 'wav', '--max-chars', String(book.maxChars)], env, { cwd: bookDir, timeoutMs: 30_000 });
    expect(submitted.code, submitted.stderr).toBe(0);
    const bookId = submitted.stdout.split('\t')[0]!;

    const a = await startWorker('worker-a');
    const b = await startWorker('worker-b');
    await waitUntil('a third of the chunks', async () => (await queues.synthesize.getCompletedCount()) >= CHUNKS / 3, {
      timeoutMs: 60_000,
      describe: async () => `${await queues.describe()}; a: ${a.output().slice(-1500)}`,
    });
    // Killed while it holds audio in its spool (a reading arrived, not yet uploaded).
    const spoolOfA = join(dir, 'worker-a', 'tmp', 'narrate-spool');
    const filesOfA = async () => (await readdir(spoolOfA).catch(() => [] as string[])).filter((name) => name.includes(`+${a.pid}+`));
    await waitUntil('audio in worker a\'s spool', async () => (await filesOfA()).length > 0, { timeoutMs: 30_000, intervalMs: 1 });
    a.signal("SIGKILL");
    expect((await a.waitForExit(5_000))?.signal).toBe('SIGKILL');
    const leftBehind = await filesOfA();
    expect(leftBehind.length, 'worker a left audio in its spool').toBeGreaterThan(0);
    // Restarted on the same host with the same spool: it removes the dead worker's files at start.
    const c = await startWorker('worker-a');
    await waitUntil('the dead worker\'s spool files to be removed', async () => (await filesOfA()).length === 0, {
      timeoutMs: 30_000,
      describe: async () => `left: ${(await filesOfA()).join(', ')}; c: ${c.output().slice(-1500)}`,
    });

    const result = await queues.waitForBook(bookId, 90_000).catch((error: Error) => {
      throw new Error(`${error.message}\nb: ${b.output().slice(-2000)}\nc: ${c.output().slice(-2000)}`);
    });
    expect(result.output).toBe(`s3://${BUCKET}/books/s3-book.wav`);
    expect(result.manifest).toBe(`s3://${BUCKET}/books/s3-book.json`);

    // The book and its manifest are in the bucket, whole: every chunk once, as long as it says.
    const local = join(dir, 'check');
    await mkdir(local);
    const report = JSON.parse(await readFile(await download(result.manifest, join(local, 'm.json')), 'utf8')) as BookReport;
    expect(report.chunks.map((ch) => ch.index)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    expect(report.output).toBe(result.output);
    const probe = await probeAudio(await download(result.output, join(local, 'book.wav')));
    expect(Math.abs(probe.durationMs - report.durationMs)).toBeLessThanOrEqual(100);
    const callsFirst = fake.calls.length;
    // The killed worker's readings are bought again, at most one per job it held: its 3 call slots,
    // and the jobs it takes beyond them (one may be uploading a reading after giving its slot up).
    expect(callsFirst).toBeLessThanOrEqual(CHUNKS + 3 + prefetchFor(3));

    // Nothing at all under any worker's directory: no segment, and no spool file, the killed worker's included.
    for (const home of workerDirs) expect(await filesUnder(home), home).toEqual([]);

    // The same book as m4b: every segment is found in the bucket by HEAD, so the model is not called.
    const again = await runCli(['submit', book.path, '--out', `s3://${BUCKET}/books-m4b/`, '--format', 'm4b', '--max-chars', String(book.maxChars)], env, { cwd: bookDir, timeoutMs: 30_000 });
    expect(again.code, again.stderr).toBe(0);
    const againId = again.stdout.split('\t')[0]!;
    const second = await queues.waitForBook(againId, 90_000);
    expect(second.output).toBe(`s3://${BUCKET}/books-m4b/s3-book.m4b`);
    expect(fake.calls.length).toBe(callsFirst);
    const m4b = await probeAudio(await download(second.output, join(local, 'book.m4b')));
    expect(Math.abs(m4b.durationMs - report.durationMs)).toBeLessThanOrEqual(200);
    // Its parts went through the bucket (no worker shares a disk) and are gone once it is assembled;
    // its chapter file is beside it, and the manifest says where.
    const keys = await listKeys('books-m4b/');
    expect(keys.filter((k) => k.includes('.narrate-parts/')), keys.join(', ')).toEqual([]);
    const m4bReport = JSON.parse(await readFile(await download(second.manifest, join(local, 'm4b.json')), 'utf8')) as BookReport;
    expect(m4bReport.chapters.length).toBeGreaterThan(0);
    for (const chapter of m4bReport.chapters) {
      expect(chapter.file).toMatch(new RegExp(`^s3://${BUCKET}/books-m4b/s3-book\\.chapters/`));
      expect(keys).toContain(chapter.file!.slice(`s3://${BUCKET}/`.length));
    }
    const chapterFile = await probeAudio(await download(m4bReport.chapters[0]!.file!, join(local, 'chapter.m4b')));
    expect(chapterFile.durationMs).toBeGreaterThan(0);
    for (const home of workerDirs) expect(await filesUnder(home), home).toEqual([]);

    // status prints where the book and its manifest are.
    const status = await runCli(['status', againId], env, { cwd: bookDir, timeoutMs: 30_000 });
    expect(status.stdout).toContain(`s3://${BUCKET}/books-m4b/s3-book.m4b`);
    expect(status.stdout).toContain(`manifest: s3://${BUCKET}/books-m4b/s3-book.json`);
    // No directory named after a URL appeared where submit ran.
    expect(await readdir(bookDir)).toEqual(['s3-book.txt']);
  }, 300_000);
});
