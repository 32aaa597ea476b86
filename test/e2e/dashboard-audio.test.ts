/**
 * The Books page's audio routes, over real HTTP against a dashboard on loopback, for a book really
 * narrated (fake model, real workers, real ffmpeg): files come only from the folders the dashboard
 * was started with, whatever Redis or a symlink says, and Range and preconditions answer as RFC 9110.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/start-dashboard.js';
import { createLogger } from '../../src/logger.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { openRedis } from '../../src/queue/connection.js';
import { FINALIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { startWorkers } from '../../src/worker/start-workers.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const exec = promisify(execFile);
const prefix = testPrefix('dashboard-audio');
const SECRET = 'SECRET-OUTSIDE-THE-OUT-FOLDER';
let dir = '';
let out = '';
let config: Config;
let fake: FakeModelServer | undefined;
let dashboard: Dashboard | undefined;
let bookId = '';
let bookFile = '';
let chapterFile = '';
const connection = openRedis('redis://127.0.0.1:6379', { name: `${prefix}-test` });
const finalize = new Queue(FINALIZE_QUEUE, { connection, prefix: bullPrefix(prefix) });

const get = (base: Dashboard, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> => fetch(new URL(path, base.url), { headers, method });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'narrate-dashboard-audio-'));
  out = join(dir, 'out');
  fake = await startFakeModel();
  config = loadConfig({
    NARRATE_ALIGN: 'off',
    NARRATE_PREFIX: prefix,
    NARRATE_STORE_DIR: join(dir, 'segments'),
    NARRATE_API_KEY: 'test-key',
    NARRATE_BASE_URL: fake.url,
    NARRATE_LOG_LEVEL: 'silent',
  });
  const text = join(dir, 'book.md');
  await writeFile(text, '# One\n\nThe keeper climbed the stair of the tower by the sea.\n\n# Two\n\nThe lamp was lit at dusk and burned until the dawn came.\n');
  const submission = await submitBooks([text], { outDir: out, title: 'Served Book', format: 'mp3' }, config, connection);
  expect(submission.failures).toEqual([]);
  bookId = submission.books[0]!.bookId;
  const workers = startWorkers(config, { logger: createLogger('silent') });
  try {
    await waitUntil('the book to finish', async () => (await Job.fromId(finalize, bookId))?.finishedOn !== undefined, { timeoutMs: 90_000, intervalMs: 100 });
  } finally {
    await workers.close();
  }
  const job = await Job.fromId(finalize, bookId);
  expect(await job!.getState()).toBe('completed');
  bookFile = (job!.returnvalue as { output: string }).output;
  dashboard = await startDashboard(config, { host: '127.0.0.1', port: 0, serve: [out] });
  // The chapter files sit in the book's folder inside out/: find chapter 1's through the page.
  const first = await get(dashboard, `books/${bookId}/audio/chapter/0`);
  expect(first.status).toBe(200);
  await first.arrayBuffer();
  const { stdout } = await exec('find', [out, '-name', '*.mp3', '-newer', text]);
  chapterFile = stdout.split('\n').filter((f) => f !== bookFile && f !== '').sort()[0]!;
  expect(chapterFile).toBeDefined();
  await writeFile(join(dir, 'stolen.mp3'), SECRET);
}, 150_000);

afterAll(async () => {
  await dashboard?.close();
  await fake?.close();
  await obliterateQueues(connection, bullPrefix(prefix)).catch(() => undefined);
  await finalize.close();
  await connection.quit().catch(() => connection.disconnect());
  await rm(dir, { recursive: true, force: true });
});

describe('audio comes only from the folders the dashboard serves', () => {
  it('serves the book and its chapters from --serve, and not from a dashboard serving another folder', async () => {
    const book = await get(dashboard!, `books/${bookId}/audio/book`);
    expect(book.status).toBe(200);
    expect(book.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await book.arrayBuffer()).equals(await readFile(bookFile))).toBe(true);

    const other = await startDashboard(config, { host: '127.0.0.1', port: 0, serve: [join(dir, 'elsewhere')] });
    try {
      const refused = await get(other, `books/${bookId}/audio/book`);
      expect(refused.status).toBe(404);
      expect(await refused.text()).toBe('No such audio file in the folders this dashboard serves (--serve)\n');
      // The page says where the book is instead of offering a player that cannot play.
      const page = await (await get(other, `books/${bookId}`)).text();
      expect(page).not.toContain('<audio');
      expect(page).toContain('outside the folders this dashboard serves');
    } finally {
      await other.close();
    }
    // A served folder reached through a symlink serves what lies in its real folder.
    await symlink(out, join(dir, 'out-link'));
    const linked = await startDashboard(config, { host: '127.0.0.1', port: 0, serve: [join(dir, 'out-link')] });
    try {
      const served = await get(linked, `books/${bookId}/audio/book`);
      expect(served.status).toBe(200);
      await served.arrayBuffer();
    } finally {
      await linked.close();
    }
  });

  it('refuses a book file replaced by a symlink that leads out of the folder, or by a FIFO', async () => {
    const kept = join(dir, 'chapter-kept.mp3');
    await copyFile(chapterFile, kept);
    try {
      for (const target of [join(dir, 'stolen.mp3'), '/etc/hostname', '/etc/passwd']) {
        await rm(chapterFile);
        await symlink(target, chapterFile);
        const response = await get(dashboard!, `books/${bookId}/audio/chapter/0`);
        const body = await response.text();
        expect(response.status, target).toBe(404);
        expect(body).not.toContain(SECRET);
        expect(body).not.toContain('root:');
      }
      // A symlink that stays inside the folder is followed.
      await rm(chapterFile);
      await symlink(bookFile, chapterFile);
      const inside = await get(dashboard!, `books/${bookId}/audio/chapter/0`);
      expect(inside.status).toBe(200);
      expect(Buffer.from(await inside.arrayBuffer()).equals(await readFile(bookFile))).toBe(true);
      // A FIFO under the audio name is refused at once, not waited on.
      await rm(chapterFile);
      await exec('mkfifo', [chapterFile]);
      const fifo = await get(dashboard!, `books/${bookId}/audio/chapter/0`);
      expect(fifo.status).toBe(404);
      await fifo.arrayBuffer();
    } finally {
      await rm(chapterFile, { force: true });
      await rename(kept, chapterFile);
    }
    const back = await get(dashboard!, `books/${bookId}/audio/chapter/0`);
    expect(back.status).toBe(200);
    await back.arrayBuffer();
  });

  it("refuses a file named by a job edited in Redis, even with its outDir edited to match", async () => {
    const key = finalize.toKey(bookId);
    const [data, returnvalue] = await connection.hmget(key, 'data', 'returnvalue');
    const stolen = join(dir, 'stolen.mp3');
    try {
      await connection.hset(key, {
        data: JSON.stringify({ ...(JSON.parse(data!) as object), outDir: dir }),
        returnvalue: JSON.stringify({ ...(JSON.parse(returnvalue!) as object), output: stolen }),
      });
      const response = await get(dashboard!, `books/${bookId}/audio/book`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain(SECRET);
    } finally {
      await connection.hset(key, { data: data!, returnvalue: returnvalue! });
    }
  });

  it('does not play a book written to a bucket, and says where it is', async () => {
    const key = finalize.toKey(bookId);
    const returnvalue = await connection.hget(key, 'returnvalue');
    const object = 's3://books/served-book.mp3';
    try {
      // What the finalizer records for a book written with --out s3://books/.
      await connection.hset(key, 'returnvalue', JSON.stringify({ ...(JSON.parse(returnvalue!) as object), output: object }));
      const response = await get(dashboard!, `books/${bookId}/audio/book`);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe('This audio is in a bucket: the dashboard serves only files in the folders it was started with (--serve)\n');
      const page = await (await get(dashboard!, `books/${bookId}`)).text();
      expect(page).toContain(`in the bucket: ${object}`);
      expect(page).not.toContain(`src="/books/${bookId}/audio/book"`);
    } finally {
      await connection.hset(key, 'returnvalue', returnvalue!);
    }
  });
});

describe('Range and preconditions (RFC 9110)', () => {
  const path = () => `books/${bookId}/audio/book`;

  it('answers 416 with Content-Range: bytes */size to an unsatisfiable or invalid range', async () => {
    const size = (await readFile(bookFile)).length;
    for (const range of ['bytes=-0', `bytes=${size}-`, 'bytes=5-1', `bytes=${size + 10}-${size + 20}`]) {
      const response = await get(dashboard!, path(), { range });
      expect(response.status, range).toBe(416);
      expect(response.headers.get('content-range'), range).toBe(`bytes */${size}`);
      expect(await response.text()).toBe(`Range not satisfiable: the file has ${size} bytes\n`);
    }
    const ranged = await get(dashboard!, path(), { range: 'bytes=-100' });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes ${size - 100}-${size - 1}/${size}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals((await readFile(bookFile)).subarray(size - 100))).toBe(true);
  });

  it('answers 412 to a failing If-Match, 304 to a matching If-None-Match, and the whole file when If-Range is stale', async () => {
    const whole = await get(dashboard!, path());
    const etag = whole.headers.get('etag')!;
    const size = (await whole.arrayBuffer()).byteLength;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');

    const failing = await get(dashboard!, path(), { 'if-match': '"not-this-one"' });
    expect(failing.status).toBe(412);
    await failing.arrayBuffer();
    const failingRange = await get(dashboard!, path(), { 'if-match': '"not-this-one"', range: 'bytes=0-9' });
    expect(failingRange.status).toBe(412);
    await failingRange.arrayBuffer();
    const old = await get(dashboard!, path(), { 'if-unmodified-since': new Date(0).toUTCString() });
    expect(old.status).toBe(412);
    await old.arrayBuffer();
    const matching = await get(dashboard!, path(), { 'if-match': etag, range: 'bytes=0-9' });
    expect(matching.status).toBe(206);
    expect((await matching.arrayBuffer()).byteLength).toBe(10);

    const current = await get(dashboard!, path(), { 'if-none-match': etag });
    expect(current.status).toBe(304);
    expect((await current.arrayBuffer()).byteLength).toBe(0);

    const stale = await get(dashboard!, path(), { 'if-range': '"an-older-version"', range: 'bytes=0-9' });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(size);

    const head = await get(dashboard!, path(), {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(size));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });
});
