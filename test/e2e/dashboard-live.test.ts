/**
 * The Books pages' live updates over real HTTP: every open page is fed by one poll of Redis (counted
 * on a private redis-server, so nothing else's commands mix in), each stream gets only the books
 * that changed, and streams past NARRATE_DASHBOARD_MAX_STREAMS are refused with a clear 503.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/start-dashboard.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { bookKeys } from '../../src/queue/book-record.js';
import { openRedis } from '../../src/queue/connection.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const INTERVAL_MS = 100;
const MAX_STREAMS = 21;
const prefix = testPrefix('dashboard-live');
let dir = '';
let redis: PrivateRedis | undefined;
let connection: Redis | undefined;
let config: Config;
let dashboard: Dashboard | undefined;
const bookIds: string[] = [];

/** An open SSE stream: the events received so far (name and parsed data). */
interface Stream {
  status: number;
  events: { event: string; data: Record<string, string> }[];
  close(): Promise<void>;
}

async function openStream(path: string): Promise<Stream & { text: Promise<string> }> {
  const abort = new AbortController();
  const response = await fetch(new URL(path, dashboard!.url), { signal: abort.signal });
  const events: Stream['events'] = [];
  if (response.status !== 200) return { status: response.status, events, text: response.text(), close: async () => undefined };
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as Record<string, string> });
      }
    }
  })().catch(() => undefined);
  return {
    status: 200,
    events,
    text: Promise.resolve(''),
    async close() {
      abort.abort();
      await reading;
    },
  };
}

/** Commands the private Redis has run, INFO excluded (the test's own way of asking). */
async function commands(): Promise<number> {
  const stats = String(await connection!.info('commandstats'));
  let total = 0;
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2]);
  return total;
}

/** narrate_dashboard_live_polls_total and narrate_dashboard_live_streams from /metrics. */
async function live(): Promise<{ polls: number; streams: number }> {
  const text = await (await fetch(new URL('metrics', dashboard!.url))).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { polls: value('narrate_dashboard_live_polls_total'), streams: value('narrate_dashboard_live_streams') };
}

/** Redis commands per poll over `polls` polls, and the polls' pace against the clock. */
async function measure(polls: number): Promise<{ perPoll: number; polls: number; elapsedMs: number }> {
  const before = await live();
  const c0 = await commands();
  const t0 = Date.now();
  await waitUntil(`${polls} polls`, async () => (await live()).polls >= before.polls + polls, { timeoutMs: 60_000, intervalMs: INTERVAL_MS * polls });
  const c1 = await commands();
  const elapsedMs = Date.now() - t0;
  const after = await live();
  // The /metrics scrapes above ran commands of their own (queue depth): a few per scrape, in both windows alike.
  return { perPoll: (c1 - c0) / (after.polls - before.polls), polls: after.polls - before.polls, elapsedMs };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'narrate-dashboard-live-'));
  redis = await startPrivateRedis(join(dir, 'redis'));
  config = loadConfig({ NARRATE_PREFIX: prefix, REDIS_URL: redis.url, NARRATE_LOG_LEVEL: 'silent', NARRATE_DASHBOARD_MAX_STREAMS: String(MAX_STREAMS) });
  connection = openRedis(redis.url, { name: `${prefix}-test` });
  for (const title of ['First', 'Second', 'Third']) {
    const file = join(dir, `${title}.md`);
    await writeFile(file, `# ${title}\n\nThe keeper of the ${title.toLowerCase()} tower climbed the stair and lit the lamp at dusk.\n`);
    const submission = await submitBooks([file], { outDir: join(dir, 'out'), title, format: 'mp3' }, config, connection);
    bookIds.push(submission.books[0]!.bookId);
  }
  dashboard = await startDashboard(config, { host: '127.0.0.1', port: 0, updateIntervalMs: INTERVAL_MS });
}, 60_000);

afterAll(async () => {
  await dashboard?.close();
  await connection?.quit().catch(() => connection?.disconnect());
  await redis?.kill();
  await rm(dir, { recursive: true, force: true });
});

describe('live updates', () => {
  it('feeds any number of open pages with one poll, and sends a stream only the books that changed', async () => {
    const first = await openStream('books/events');
    const streams: Stream[] = [first];
    try {
      await waitUntil('the first update', () => first.events.length > 0, { timeoutMs: 10_000 });
      expect(Object.keys(first.events[0]!.data)).toEqual(['search', 'pager', 'damaged', 'books']);
      const one = await measure(10);

      // Twenty more: list pages and book pages, two of them on the same book.
      for (let i = 0; i < 20; i++) streams.push(await openStream(i % 2 === 0 ? 'books/events' : `books/${bookIds[i % 3]}/events`));
      await waitUntil('every stream to get its first update', () => streams.every((s) => s.events.length > 0), { timeoutMs: 20_000 });
      expect((await live()).streams).toBe(21);
      const many = await measure(10);
      // One poll per tick whatever the number of pages, and a tick costs Redis what it did for one page.
      expect(many.polls).toBeLessThanOrEqual(many.elapsedMs / INTERVAL_MS + 2);
      expect(many.perPoll).toBeLessThan(one.perPoll * 1.5 + 5);

      // One book changes: the list pages get that book's row, and nothing else.
      const seen = first.events.length;
      await connection!.hset(bookKeys(prefix, bookIds[1]!).record, 'costUsd', '0.25');
      await waitUntil('an update after the change', () => first.events.length > seen, { timeoutMs: 10_000 });
      const update = first.events[seen]!;
      expect(update.event).toBe('parts');
      expect(Object.keys(update.data)).toEqual([`book-${bookIds[1]}`]);
      expect(update.data[`book-${bookIds[1]}`]).toContain('$0.2500');
      // A book page gets its summary again; the pages of other books get nothing.
      const pageOfSecond = streams[2]!;
      await waitUntil("the second book's page to update", () => pageOfSecond.events.some((e) => e.data.summary?.includes('$0.2500')), { timeoutMs: 10_000 });
      const pageOfFirst = streams[4]!;
      expect(pageOfFirst.events.slice(1)).toEqual([]);
    } finally {
      for (const stream of streams) await stream.close();
    }
    await waitUntil('the streams to close', async () => (await live()).streams === 0, { timeoutMs: 10_000 });
  });

  it(`answers 503 to stream ${MAX_STREAMS + 1}, and takes a new one once another closes`, async () => {
    const streams: Stream[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS; i++) {
        const stream = await openStream('books/events');
        expect(stream.status).toBe(200);
        streams.push(stream);
      }
      const refused = await openStream('books/events');
      expect(refused.status).toBe(503);
      expect(await refused.text).toBe(`Too many live pages open: this dashboard holds at most ${MAX_STREAMS} live-update streams (NARRATE_DASHBOARD_MAX_STREAMS). Close some Books pages, or reload later.\n`);
      // The pages themselves still load: only their live updates wait.
      expect((await fetch(new URL('books', dashboard!.url))).status).toBe(200);

      await streams.pop()!.close();
      await waitUntil('the closed stream to be let go', async () => (await live()).streams === MAX_STREAMS - 1, { timeoutMs: 10_000 });
      const again = await openStream(`books/${bookIds[0]}/events`);
      streams.push(again);
      expect(again.status).toBe(200);
      await waitUntil('its first update', () => again.events.length > 0, { timeoutMs: 10_000 });
    } finally {
      for (const stream of streams) await stream.close();
    }
  });
});
