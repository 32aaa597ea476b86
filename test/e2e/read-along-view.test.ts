/**
 * The Books page's read-along view in real Chromium, for a book really narrated by the offline voice
 * (real workers, real ffmpeg): the book's sentences under its player, the one being heard highlighted
 * as it plays, a click seeking to a sentence; served only from the dashboard's --serve folders.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookSentence } from '../../src/align/book-sentence.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/start-dashboard.js';
import { createLogger } from '../../src/logger.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { openRedis } from '../../src/queue/connection.js';
import { FINALIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { startWorkers } from '../../src/worker/start-workers.js';
import { launchChromium, untilInPage } from '../helpers/chromium.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';
import '../helpers/no-leaks.js';

const CHAPTERS = [
  { title: 'The Stair', text: 'The keeper climbed the stair of the tower by the sea. He counted every step aloud. At the top, the wind was cold.' },
  { title: 'The Lamp', text: 'The lamp was lit at dusk. It burned until the dawn came over the grey water.' },
];
// Run in the page, as text: the test's own TypeScript has no DOM types.
const PLAYER = "document.getElementById('player')";
const PLAYER_READY = `${PLAYER}.readyState >= 1`;
const until = (page: Page, expression: string): Promise<void> => untilInPage(page, expression);
const prefix = testPrefix('read-along-view');
let dir = '';
let out = '';
let config: Config;
let dashboard: Dashboard | undefined;
let browser: Browser | undefined;
let bookId = '';
let sentences: BookSentence[] = [];
const connection = openRedis('redis://127.0.0.1:6379', { name: `${prefix}-test` });
const finalize = new Queue(FINALIZE_QUEUE, { connection, prefix: bullPrefix(prefix) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'narrate-read-along-view-'));
  out = join(dir, 'out');
  config = loadConfig({ NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_PROVIDER: 'offline', NARRATE_LOG_LEVEL: 'silent', NARRATE_ALIGN: 'on' });
  const text = join(dir, 'lighthouse.md');
  await writeFile(text, CHAPTERS.map((c) => `# ${c.title}\n\n${c.text}\n`).join('\n'));
  const submission = await submitBooks([text], { outDir: out, title: 'The Lighthouse', format: 'mp3' }, config, connection);
  expect(submission.failures).toEqual([]);
  bookId = submission.books[0]!.bookId;
  const workers = startWorkers(config, { logger: createLogger('silent') });
  try {
    await waitUntil('the book to finish', async () => (await Job.fromId(finalize, bookId))?.finishedOn !== undefined, { timeoutMs: 150_000, intervalMs: 200 });
  } finally {
    await workers.close();
  }
  const job = await Job.fromId(finalize, bookId);
  expect(await job!.getState()).toBe('completed');
  const { manifest: manifestPath } = job!.returnvalue as { output: string; manifest: string };
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { sentences?: BookSentence[] };
  // The worker aligned every reading: the manifest's own sentences, as the view reads them.
  expect(manifest.sentences, 'the manifest has no sentences: was alignment on?').toBeDefined();
  sentences = manifest.sentences!;
  expect(sentences.length).toBe(7);
  dashboard = await startDashboard(config, { host: '127.0.0.1', port: 0, serve: [out] });
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await obliterateQueues(connection, bullPrefix(prefix)).catch(() => undefined);
  await finalize.close();
  await connection.quit().catch(() => connection.disconnect());
  await rm(dir, { recursive: true, force: true });
});

describe('the read-along view', () => {
  it('shows the text under the player and highlights the sentence being heard as it plays', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(new URL(`books/${bookId}`, dashboard!.url).href);
      await page.click('a.read-along');
      await page.waitForSelector('#player');
      expect(await page.locator('.s').allTextContents()).toEqual(sentences.map((s) => s.text));
      expect(await page.locator('h2').allTextContents()).toEqual(CHAPTERS.map((c) => c.title));
      await until(page, PLAYER_READY);

      // Put anywhere inside a sentence, the player highlights that sentence and no other.
      for (const k of [1, 4, 6]) {
        const s = sentences[k]!;
        await page.evaluate(`${PLAYER}.currentTime = ${(s.startMs + s.endMs) / 2000}`);
        await until(page, `document.querySelector('.s.current')?.textContent === ${JSON.stringify(s.text)}`);
        expect(await page.locator('.s.current').count()).toBe(1);
        expect(await page.locator('.s.current').getAttribute('aria-current')).toBe('true');
      }

      // Playing, the highlight follows the player's own clock across a sentence boundary.
      const boundary = sentences[2]!.startMs;
      await page.evaluate(`${PLAYER}.currentTime = ${(boundary - 600) / 1000}; void ${PLAYER}.play()`);
      await until(page, `${PLAYER}.currentTime * 1000 > ${boundary + 300}`);
      await page.evaluate(`${PLAYER}.pause()`);
      const seen = (await page.evaluate(`({ ms: ${PLAYER}.currentTime * 1000, id: document.querySelector('.s.current')?.id })`)) as { ms: number; id?: string };
      const heard = sentences.findLastIndex((s) => s.startMs <= seen.ms);
      expect(seen.id).toBe(`s${heard}`);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('seeks to a sentence clicked', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(new URL(`books/${bookId}/read-along`, dashboard!.url).href);
      await until(page, PLAYER_READY);
      await page.click('#s5');
      await page.evaluate(`${PLAYER}.pause()`);
      const ms = (await page.evaluate(`${PLAYER}.currentTime * 1000`)) as number;
      expect(ms).toBeGreaterThanOrEqual(sentences[5]!.startMs - 50);
      expect(ms).toBeLessThan(sentences[5]!.endMs);
      expect(await page.locator('.s.current').getAttribute('id')).toBe('s5');
    } finally {
      await page.close();
    }
  }, 60_000);

  it('is not offered, and not served, by a dashboard whose --serve folders do not hold the book', async () => {
    const other = await startDashboard(config, { host: '127.0.0.1', port: 0, serve: [join(dir, 'elsewhere')] });
    try {
      const bookPage = await (await fetch(new URL(`books/${bookId}`, other.url))).text();
      expect(bookPage).toContain('outside the folders this dashboard serves');
      expect(bookPage).not.toContain('class="read-along"');
      const refused = await fetch(new URL(`books/${bookId}/read-along`, other.url));
      expect(refused.status).toBe(404);
      const body = await refused.text();
      expect(body).toContain('not in the folders this dashboard serves (--serve)');
      expect(body).not.toContain(sentences[0]!.text);
    } finally {
      await other.close();
    }
  });
});
