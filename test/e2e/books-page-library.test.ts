/**
 * The Books page over a library, in real Chromium: 50 books a page with Previous / Next, a title
 * search, and live updates that replace only the row of the book that changed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/start-dashboard.js';
import { bookKeys } from '../../src/queue/book-record.js';
import { openRedis } from '../../src/queue/connection.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { launchChromium, untilInPage } from '../helpers/chromium.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { seedBookRecords } from '../helpers/seed-book-records.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const BOOKS = 120;
const prefix = testPrefix('books-page-library');
const connection = openRedis('redis://127.0.0.1:6379', { name: `${prefix}-test` });
let dir = '';
let dashboard: Dashboard | undefined;
let browser: Browser | undefined;
let ids: string[] = [];
/** Every tenth book is a lighthouse book: what the search finds. */
const title = (i: number): string => (i % 10 === 3 ? `The Lighthouse Keeper, volume ${i}` : `Seeded Book ${i}`);

const url = (path: string): string => new URL(path, dashboard!.url).href;
const rowIds = (page: Page): Promise<string[]> => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { book: string } }).dataset.book));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'narrate-books-page-library-'));
  ids = (await seedBookRecords(connection, prefix, BOOKS, { title })).ids;
  const config = loadConfig({ NARRATE_PREFIX: prefix, NARRATE_LOG_LEVEL: 'silent' });
  dashboard = await startDashboard(config, { host: '127.0.0.1', port: 0, updateIntervalMs: 200 });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await obliterateQueues(connection, bullPrefix(prefix)).catch(() => undefined);
  const keys = await connection.keys(`${bullPrefix(prefix)}*`);
  if (keys.length > 0) await connection.del(...keys);
  await connection.quit().catch(() => connection.disconnect());
  await rm(dir, { recursive: true, force: true });
});

describe('Books page over a library', () => {
  it('shows 50 books a page, newest first, with Next and Previous', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(url('books'));
      const newest = [...ids].reverse();
      expect(await rowIds(page)).toEqual(newest.slice(0, 50));
      expect(await page.locator('#pager').innerText()).toContain(`Page 1 of 3 · ${BOOKS} books`);
      await page.locator('#pager a[rel=next]').click();
      await page.waitForURL(/page=2/);
      expect(await rowIds(page)).toEqual(newest.slice(50, 100));
      await page.locator('#pager a[rel=next]').click();
      await page.waitForURL(/page=3/);
      expect(await rowIds(page)).toEqual(newest.slice(100));
      expect(await page.locator('#pager a[rel=next]').count()).toBe(0);
      await page.locator('#pager a[rel=prev]').click();
      await page.waitForURL(/page=2/);
      expect(await rowIds(page)).toEqual(newest.slice(50, 100));
      // A page past the last shows the last.
      await page.goto(url('books?page=99'));
      expect(await rowIds(page)).toEqual(newest.slice(100));
    } finally {
      await page.close();
    }
  });

  it('finds books by title, in any case, across every page', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(url('books'));
      await page.locator('input[name=q]').fill('LIGHTHOUSE keeper');
      await page.locator('#search button').click();
      await page.waitForURL(/q=LIGHTHOUSE/);
      const found = [...ids].reverse().filter((id) => title(Number(id.slice(-6))).includes('Lighthouse'));
      expect(found).toHaveLength(12);
      expect(await rowIds(page)).toEqual(found);
      expect(await page.locator('#pager').innerText()).toContain('Page 1 of 1 · 12 books whose title contains “LIGHTHOUSE keeper”');
      expect(await page.locator('input[name=q]').inputValue()).toBe('LIGHTHOUSE keeper');

      await page.goto(url(`books?q=${encodeURIComponent('<b>no such title</b>')}`));
      expect(await rowIds(page)).toEqual([]);
      expect(await page.locator('#books').innerText()).toContain("No book's title contains “<b>no such title</b>”.");
      expect(await page.locator('#books b').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('updates only the row of the book that changed, on the page that shows it', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(url('books?page=2'));
      // In the page (strings: the test build has no DOM types).
      await untilInPage(page, "document.getElementById('live-status').textContent.includes('updated')");
      // Marks every row's element: a row the update replaces loses its mark.
      await page.evaluate("for (const row of document.querySelectorAll('tbody tr')) row.marked = true");
      const changed = [...ids].reverse()[60]!;
      await connection.hset(bookKeys(prefix, changed).record, 'costUsd', '0.75');
      await waitUntil('the changed row to show its cost', async () => (await page.locator(`tr[data-book="${changed}"]`).innerText()).includes('$0.7500'), { timeoutMs: 20_000 });
      const unmarked = await page.evaluate<string[]>("[...document.querySelectorAll('tbody tr')].filter((row) => !row.marked).map((row) => row.dataset.book)");
      expect(unmarked).toEqual([changed]);
    } finally {
      await page.close();
    }
  });

  it('answers a bad page number or an over-long search with 400 naming the parameter', async () => {
    for (const [query, message] of [
      ['page=0', 'page: expected a whole number &gt;= 1, got &quot;0&quot;'],
      ['page=two', 'page: expected a whole number &gt;= 1, got &quot;two&quot;'],
      [`q=${'x'.repeat(201)}`, 'q: expected at most 200 characters of a title, got 201'],
    ] as const) {
      const response = await fetch(url(`books?${query}`));
      expect(response.status, query).toBe(400);
      expect(await response.text()).toContain(message);
    }
  });
});
