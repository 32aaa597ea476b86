import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/start-dashboard.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { readBookRecord } from '../../src/queue/book-record.js';
import { openRedis } from '../../src/queue/connection.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { startWorkers, type RunningWorkers } from '../../src/worker/start-workers.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';
import '../helpers/no-leaks.js';
import { launchChromium } from '../helpers/chromium.js';

const USER = 'ops';
const PASSWORD = 'books page password';
const EVIL_TITLE = '<script>window.__pwned = 1</script> & "Quotes" <b>bold</b>';

const prefix = testPrefix('books-page');
let dir = '';
let config: Config;
let fake: FakeModelServer | undefined;
let dashboard: Dashboard | undefined;
let browser: Browser | undefined;
let workers: RunningWorkers | undefined;
const connection = openRedis('redis://127.0.0.1:6379', { name: `${prefix}-test` });
const finalize = new Queue(FINALIZE_QUEUE, { connection, prefix: bullPrefix(prefix) });
const synthesize = new Queue(SYNTHESIZE_QUEUE, { connection, prefix: bullPrefix(prefix) });


/** A Markdown book with one chapter per entry of `paragraphs`, each of that many one-chunk paragraphs. */
async function writeBook(name: string, paragraphs: number[]): Promise<string> {
  const lines: string[] = [];
  for (const [i, count] of paragraphs.entries()) {
    const c = i + 1;
    lines.push(`# Chapter ${c}`, '');
    for (let p = 1; p <= count; p++) lines.push(`In chapter ${c} the ${name} keeper climbed stair number ${p} of the tall tower by the sea.`, '');
  }
  const path = join(dir, `${name}.md`);
  await writeFile(path, lines.join('\n'));
  return path;
}

async function submit(path: string, title: string): Promise<string> {
  const submission = await submitBooks([path], { outDir: join(dir, 'out'), title, maxChars: 100, format: 'mp3' }, config, connection);
  expect(submission.failures).toEqual([]);
  return submission.books[0]!.bookId;
}

async function bookState(bookId: string): Promise<string> {
  const job = await Job.fromId(finalize, bookId);
  return job ? job.getState() : 'missing';
}

/** The few members of HTMLMediaElement the test reads (the test build has no DOM types). */
interface AudioElement {
  readyState: number;
  duration: number;
  error: { code: number } | null;
  load(): void;
  addEventListener(type: string, listener: () => void): void;
}

/** Loads an <audio> element's metadata in the page and answers its duration in seconds. */
async function audioDuration(page: Page, selector: string): Promise<number> {
  return page.locator(selector).evaluate(
    (audio: AudioElement) =>
      new Promise<number>((resolve, reject) => {
        if (audio.readyState >= 1) resolve(audio.duration);
        audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
        audio.addEventListener('error', () => reject(new Error(`audio error ${audio.error?.code}`)));
        audio.load();
      }),
  );
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const auth = { authorization: basic(USER, PASSWORD) };
const url = (path: string): string => new URL(path, dashboard!.url).href;

async function signedIn(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ httpCredentials: { username: USER, password: PASSWORD } });
  return { context, page: await context.newPage() };
}

let finishedId = '';
let runningId = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'narrate-books-page-'));
  fake = await startFakeModel({ latencyMs: 400 });
  config = loadConfig({
    NARRATE_ALIGN: 'off',
    NARRATE_PREFIX: prefix,
    NARRATE_STORE_DIR: join(dir, 'segments'),
    NARRATE_API_KEY: 'test-key',
    NARRATE_BASE_URL: fake.url,
    NARRATE_BACKOFF_MS: '50',
    NARRATE_LOG_LEVEL: 'silent',
    NARRATE_CONCURRENCY: '1',
    NARRATE_DASHBOARD_USER: USER,
    NARRATE_DASHBOARD_PASSWORD: PASSWORD,
  });
  // A finished book whose title is an attack on the page.
  finishedId = await submit(await writeBook('finished', [2, 2]), EVIL_TITLE);
  workers = startWorkers(config, { logger: createLogger('silent') });
  await waitUntil('the finished book', async () => (await bookState(finishedId)) === 'completed', { timeoutMs: 60_000, intervalMs: 100 });
  await workers.close();
  workers = undefined;

  dashboard = await startDashboard(config, { host: '127.0.0.1', port: 0, updateIntervalMs: 250, serve: [join(dir, 'out')] });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await workers?.close(true);
  await dashboard?.close();
  await fake?.close();
  await obliterateQueues(connection, bullPrefix(prefix)).catch(() => undefined);
  await Promise.allSettled([finalize.close(), synthesize.close()]);
  await connection.quit().catch(() => connection.disconnect());
  await rm(dir, { recursive: true, force: true });
});

describe('Books page', () => {
  it('refuses anonymous and wrong-password requests on every route (401)', async () => {
    const paths = ['books', 'books/events', `books/${finishedId}`, `books/${finishedId}/events`, `books/${finishedId}/audio/book`, `books/${finishedId}/audio/chapter/0`];
    for (const path of paths) {
      for (const headers of [{}, { authorization: basic(USER, 'wrong') }]) {
        const response = await fetch(url(path), { headers });
        await response.arrayBuffer();
        expect(response.status, `GET ${path} ${JSON.stringify(headers)}`).toBe(401);
      }
    }
    const post = await fetch(url(`books/${finishedId}/retry`), { method: 'POST' });
    expect(post.status).toBe(401);

    const context = await browser!.newContext();
    const page = await context.newPage();
    const seen = page.waitForResponse((response) => response.url() === url('books'));
    await page.goto(url('books')).catch(() => undefined);
    expect((await seen).status()).toBe(401);
    await expect(page.locator('body').innerText()).resolves.not.toContain('finished');
    await context.close();
  });

  it('lists the finished book with its title as text, its chapters, similarity and retries', async () => {
    const { context, page } = await signedIn();
    const response = await page.goto(url('books'));
    expect(response?.status()).toBe(200);
    const row = page.locator(`tr[data-book="${finishedId}"]`);
    await expect.poll(() => row.count()).toBe(1);
    const text = await row.innerText();
    // The title is shown exactly as written, never run or parsed as markup.
    expect(text).toContain(EVIL_TITLE);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main b').count()).toBe(0);
    expect(text).toContain('done');
    expect(text).toContain('2/2 chapters');
    expect(text).toMatch(/min 1\.000 · mean 1\.000/);
    expect(text).toContain('none');
    await page.screenshot({ path: '/tmp/narrate-books-list.png', fullPage: true });
    await context.close();
  });

  it("plays the finished book: the audio element loads and reports the book's duration; ranges are served", async () => {
    const { context, page } = await signedIn();
    await page.goto(url(`books/${finishedId}`));
    const duration = await audioDuration(page, '#book-audio audio');
    // Four chunks read at 15 chars/s by the fake: several seconds of audio.
    expect(duration).toBeGreaterThan(4);
    expect(Number.isFinite(duration)).toBe(true);
    // Each chapter's own file, two chunks each: together about the book.
    const chapters = [await audioDuration(page, '#chapter-0 audio'), await audioDuration(page, '#chapter-1 audio')];
    for (const d of chapters) expect(d).toBeGreaterThan(2);
    expect(Math.abs(chapters[0]! + chapters[1]! - duration)).toBeLessThan(1.5);
    await page.screenshot({ path: '/tmp/narrate-books-book.png', fullPage: true });
    await context.close();

    const ranged = await fetch(url(`books/${finishedId}/audio/book`), { headers: { ...auth, range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toMatch(/^bytes 0-99\/\d+$/);
    expect(ranged.headers.get('content-type')).toBe('audio/mpeg');
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
    const missing = await fetch(url(`books/${finishedId}/audio/chapter/99`), { headers: auth });
    await missing.arrayBuffer();
    expect(missing.status).toBe(404);
    const traversal = await fetch(url(`books/${finishedId}/audio/chapter/..%2F..%2Fetc%2Fpasswd`), { headers: auth });
    expect(traversal.status).toBe(404);
    expect(await traversal.text()).not.toContain('root:');
  });

  it("shows a running book's progress advancing without a reload", async () => {
    runningId = await submit(await writeBook('running', [8, 8, 30]), 'The Running Book');
    const { context, page } = await signedIn();
    await page.goto(url(`books/${runningId}`));
    const progress = page.locator('#summary progress');
    expect(await progress.getAttribute('value')).toBe('0');
    await page.evaluate(() => ((globalThis as unknown as { __same: boolean }).__same = true));

    workers = startWorkers(config, { logger: createLogger('silent') });
    const first = await waitUntil('the page to show a chunk done', async () => Number(await progress.getAttribute('value')) || false, { timeoutMs: 30_000, intervalMs: 100 });
    await waitUntil('the page to show more chunks done', async () => Number(await progress.getAttribute('value')) > first, { timeoutMs: 30_000, intervalMs: 100 });
    await expect(page.locator('#summary').innerText()).resolves.toContain('narrating');
    await expect(page.locator('#summary').innerText()).resolves.toMatch(/ETA\s+\d+ (s|min)/);
    // The same document all along: the numbers came by the live stream, not a reload.
    expect(await page.evaluate(() => (globalThis as unknown as { __same?: boolean }).__same)).toBe(true);
    await page.screenshot({ path: '/tmp/narrate-books-running.png', fullPage: true });
    await context.close();
  });

  it('refuses a POST without the CSRF token, with a wrong one, or from another origin (403)', async () => {
    const noToken = await fetch(url(`books/${runningId}/cancel`), { method: 'POST', headers: auth, redirect: 'manual' });
    expect(noToken.status).toBe(403);
    const wrong = await fetch(url(`books/${runningId}/cancel`), {
      method: 'POST',
      headers: { ...auth, cookie: 'narrate_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=forged',
      redirect: 'manual',
    });
    expect(wrong.status).toBe(403);

    // A real token and cookie, taken from the page as a browser would have them...
    const page = await fetch(url(`books/${runningId}`), { headers: auth });
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const token = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    expect(token).toBeDefined();
    // ...are still refused from another site's page.
    const crossSite = await fetch(url(`books/${runningId}/cancel`), {
      method: 'POST',
      headers: { ...auth, cookie, origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf=${encodeURIComponent(token!)}`,
      redirect: 'manual',
    });
    expect(crossSite.status).toBe(403);
    // A GET never acts.
    const get = await fetch(url(`books/${runningId}/cancel`), { headers: auth });
    await get.arrayBuffer();
    expect(get.status).not.toBe(200);
    expect((await readBookRecord(connection, prefix, runningId))?.state).toBe('narrating');
  });

  it('cancels from the page: the book becomes cancelled and the model gets no new call; Retry finishes it', async () => {
    const { context, page } = await signedIn();
    await page.goto(url(`books/${runningId}`));
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(`${new URL(r.url()).pathname} ${r.postData() ?? ''}`);
    });
    // Cancel once chapter 1 is finished (the book is a third done), to see that chapter play below.
    await expect.poll(() => page.locator('#chapter-0 .state').innerText(), { timeout: 30_000 }).toBe('done');
    await page.locator('#actions button[data-action="cancel"]').click();
    await page.waitForURL(url(`books/${runningId}`));
    expect(posts).toEqual([expect.stringMatching(new RegExp(`^/books/${runningId}/cancel csrf=[\\w%-]+$`))]);
    await expect.poll(() => page.locator('#summary').innerText(), { timeout: 10_000 }).toContain('cancelled');
    expect((await readBookRecord(connection, prefix, runningId))?.state).toBe('cancelled');

    // Calls in flight may finish; after that, none. The worker is still running.
    let last = fake!.calls.length;
    await waitUntil('model calls to stop', async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      const now = fake!.calls.length;
      const quiet = now === last;
      last = now;
      return quiet;
    }, { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(fake!.calls.length).toBe(last);
    const chunksDone = (await readBookRecord(connection, prefix, runningId))!.chunksDone;
    expect(chunksDone).toBeLessThan(46);
    await expect(page.locator('#actions button[data-action="cancel"]').count()).resolves.toBe(0);
    // Chapter 1 was finished while the book was being narrated: it plays, though the book never was.
    await expect.poll(() => page.locator('#chapter-0 audio').count(), { timeout: 20_000 }).toBe(1);
    expect(await audioDuration(page, '#chapter-0 audio')).toBeGreaterThan(10);
    await expect(page.locator('#book-audio audio').count()).resolves.toBe(0);
    await page.screenshot({ path: '/tmp/narrate-books-cancelled.png', fullPage: true });

    // Retry from the page: the book goes on and finishes, on screen.
    await page.locator('#actions button[data-action="retry"]').click();
    await page.waitForURL(url(`books/${runningId}`));
    await expect.poll(() => page.locator('#summary').innerText(), { timeout: 120_000 }).toMatch(/State\s+done/);
    await expect(page.locator('#summary').innerText()).resolves.toContain('3/3 chapters');
    // Chunks stored before the cancel were not bought again.
    expect(fake!.calls.length).toBeLessThan(last + 46 - chunksDone + 5);
    await context.close();
  }, 240_000);

  it('links to bull-board and back', async () => {
    const { context, page } = await signedIn();
    await page.goto(url('books'));
    await page.locator('#bull-board-link').click();
    await page.waitForURL(url(''));
    await expect.poll(() => page.locator('main').innerText(), { timeout: 20_000 }).toContain(FINALIZE_QUEUE);
    // bull-board's header menu (uiConfig.miscLinks) holds the way back.
    await expect.poll(async () => (await page.locator('header').innerHTML()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const back = page.locator('a[href="/books"]');
    if ((await back.count()) === 0) await page.locator('header ul li:last-child button').click();
    await page.locator('a[href="/books"]').first().click();
    await page.waitForURL(url('books'));
    await expect(page.locator('h1').innerText()).resolves.toBe('Books');
    await context.close();
  });
});

describe('Books page without credentials', () => {
  it('answers loopback requests and refuses another Host name (DNS rebinding)', async () => {
    const open = await startDashboard({ ...config, dashboardUser: undefined, dashboardPassword: undefined }, { host: '127.0.0.1', port: 0 });
    try {
      const local = await fetch(new URL('books', open.url));
      expect(local.status).toBe(200);
      await local.arrayBuffer();
      const port = new URL(open.url).port;
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/books', headers: { host: `attacker.example:${port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(403);
    } finally {
      await open.close();
    }
  });
});
