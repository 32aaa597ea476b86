import { FlowProducer, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/start-dashboard.js';
import { openRedis } from '../../src/queue/connection.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { launchChromium } from '../helpers/chromium.js';

const USER = 'narrator';
const PASSWORD = 'correct horse battery staple';
const BOOK_ID = 'dash-book';

const prefix = testPrefix('dashboard');
const config: Config = loadConfig({
  NARRATE_PREFIX: prefix,
  NARRATE_DASHBOARD_USER: USER,
  NARRATE_DASHBOARD_PASSWORD: PASSWORD,
});
const bull = bullPrefix(prefix);

// Every connection this file opens, so afterAll can close them and prove none is left behind.
const connections: Redis[] = [];
const connect = (worker = false): Redis => {
  const redis = openRedis(config.redisUrl, { worker, name: `${prefix}-test` });
  connections.push(redis);
  return redis;
};

let workers: Worker[] = [];
let flowProducer: FlowProducer | undefined;
let queueEvents: QueueEvents | undefined;
let dashboard: Dashboard | undefined;
let browser: Browser | undefined;
// Reads CLIENT LIST and obliterates the queues; closed last.
const admin = openRedis(config.redisUrl, { name: `${prefix}-admin` });

beforeAll(async () => {
  // A finished book: one finalize parent whose two synthesize children have completed.
  workers = [
    new Worker(SYNTHESIZE_QUEUE, async (job) => ({ chunk: job.data.index }), { connection: connect(true), prefix: bull }),
    new Worker(
      FINALIZE_QUEUE,
      async (job) => ({ bookId: job.data.bookId, segments: Object.keys(await job.getChildrenValues()).length }),
      { connection: connect(true), prefix: bull },
    ),
  ];
  queueEvents = new QueueEvents(FINALIZE_QUEUE, { connection: connect(true), prefix: bull });
  await queueEvents.waitUntilReady();

  flowProducer = new FlowProducer({ connection: connect(), prefix: bull });
  const flow = await flowProducer.add({
    name: 'finalize',
    queueName: FINALIZE_QUEUE,
    data: { bookId: BOOK_ID, title: 'Dashboard Book' },
    opts: { jobId: BOOK_ID },
    children: [0, 1].map((index) => ({
      name: 'synthesize',
      queueName: SYNTHESIZE_QUEUE,
      data: { bookId: BOOK_ID, index, text: `Chunk ${index} of the dashboard book.` },
    })),
  });
  const result: unknown = await flow.job.waitUntilFinished(queueEvents, 30_000);
  expect(result).toEqual({ bookId: BOOK_ID, segments: 2 });

  dashboard = await startDashboard(config, { host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await Promise.all(workers.map((worker) => worker.close()));
  await queueEvents?.close();
  await flowProducer?.close();
  try {
    // The "-open" dashboard's queues write their meta keys too.
    for (const queuePrefix of [bull, bullPrefix(`${prefix}-open`)]) await obliterateQueues(admin, queuePrefix);
    await Promise.all(connections.map((redis) => redis.quit()));
    // Nothing this file opened (its own connections, BullMQ's duplicates of them, the dashboards')
    // may outlive it.
    await vi.waitFor(async () => {
      const left = (await clientNames()).filter((name) => name.includes(prefix) && name !== `${prefix}-admin`);
      expect(left).toEqual([]);
    });
    expect(await admin.keys(`{${prefix}*`)).toEqual([]);
  } finally {
    await admin.quit();
  }
});

/** Names of the Redis clients connected right now (CLIENT LIST), to prove a close() really closed. */
async function clientNames(): Promise<string[]> {
  const list = String(await admin.client('LIST'));
  return [...list.matchAll(/\bname=(\S*)/g)].map((match) => match[1] ?? '');
}

describe('dashboard', () => {
  it('answers 401 with a Basic challenge to an anonymous browser', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    const seen = page.waitForResponse((response) => response.url() === dashboard!.url);
    // Chromium, with no credentials to offer, ends the navigation with ERR_INVALID_AUTH_CREDENTIALS
    // after it has received the 401: read the response itself rather than goto()'s result.
    const navigation = await page.goto(dashboard!.url).catch((error: unknown) => error);
    const response = await seen;
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toBe('Basic realm="narrate", charset="UTF-8"');
    expect(String(navigation)).toMatch(/401|ERR_INVALID_AUTH_CREDENTIALS|Response/);
    await expect(page.locator('body').innerText()).resolves.not.toContain(FINALIZE_QUEUE);
    await context.close();
  });

  it('answers 401 to a wrong password', async () => {
    const context = await browser!.newContext({ httpCredentials: { username: USER, password: 'wrong' } });
    const page = await context.newPage();
    const seen = page.waitForResponse((response) => response.url() === dashboard!.url);
    await page.goto(dashboard!.url).catch(() => undefined);
    expect((await seen).status()).toBe(401);
    await expect(page.locator('body').innerText()).resolves.not.toContain(FINALIZE_QUEUE);
    await context.close();
  });

  it('guards the API and the static assets too', async () => {
    const url = dashboard!.url;
    const basic = (user: string, password: string): string =>
      `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    for (const path of ['api/queues', `api/queues/${FINALIZE_QUEUE}/${BOOK_ID}`, 'static/images/logo.svg']) {
      for (const headers of [{}, { authorization: basic(USER, 'wrong') }, { authorization: basic('root', PASSWORD) }]) {
        const response = await fetch(new URL(path, url), { headers });
        await response.arrayBuffer();
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
      }
    }
    const logo = await fetch(new URL('static/images/logo.svg', url), { headers: { authorization: basic(USER, PASSWORD) } });
    await logo.arrayBuffer();
    expect(logo.status).toBe(200);
    const queues = await fetch(new URL('api/queues', url), { headers: { authorization: basic(USER, PASSWORD) } });
    expect(queues.status).toBe(200);
    const body = JSON.stringify(await queues.json());
    expect(body).toContain(SYNTHESIZE_QUEUE);
    expect(body).toContain(FINALIZE_QUEUE);
  });

  it('shows both queues and the finished book to the right credentials', async () => {
    const context = await browser!.newContext({ httpCredentials: { username: USER, password: PASSWORD } });
    const page = await context.newPage();
    const response = await page.goto(dashboard!.url);
    expect(response?.status()).toBe(200);
    // The overview: one card per queue with its job count (1 book, 2 chunks).
    const main = page.locator('main');
    await expect.poll(() => main.innerText(), { timeout: 20_000 }).toMatch(/finalize[\s\S]*1 Job\b/);
    await expect.poll(() => main.innerText(), { timeout: 20_000 }).toMatch(/synthesize[\s\S]*2 Jobs\b/);
    await page.screenshot({ path: '/tmp/narrate-dashboard-home.png', fullPage: true });

    await page.goto(new URL(`queue/${FINALIZE_QUEUE}?status=completed`, dashboard!.url).href);
    await expect.poll(() => main.innerText(), { timeout: 20_000 }).toContain('Dashboard Book');
    const text = await main.innerText();
    expect(text).toContain(BOOK_ID);
    expect(text).toContain('finalize');
    expect(text).toMatch(/segments:\s*2/);
    await page.screenshot({ path: '/tmp/narrate-dashboard-finalize.png', fullPage: true });
    await context.close();
  });

  it('close() shuts the server and its Redis connection, and is safe to call twice', async () => {
    const name = `narrate-dashboard:${prefix}`;
    expect(await clientNames()).toContain(name);
    await Promise.all([dashboard!.close(), dashboard!.close()]);
    await dashboard!.close();
    await expect(fetch(dashboard!.url)).rejects.toThrow();
    await expect.poll(clientNames).not.toContain(name);
  });
});

describe('dashboard without credentials', () => {
  const open: Config = { ...config, prefix: `${prefix}-open`, dashboardUser: undefined, dashboardPassword: undefined };

  it('refuses to listen beyond loopback, before opening any connection', async () => {
    await expect(startDashboard(open, { host: '0.0.0.0', port: 0 })).rejects.toThrow(
      'Refusing to serve the dashboard on 0.0.0.0 without a password: set NARRATE_DASHBOARD_USER and NARRATE_DASHBOARD_PASSWORD, or bind to 127.0.0.1',
    );
    expect(await clientNames()).not.toContain(`narrate-dashboard:${open.prefix}`);
  });

  it('serves loopback without a password', async () => {
    const local = await startDashboard(open, { host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(new URL('api/queues', local.url));
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    } finally {
      await local.close();
    }
  });
});
