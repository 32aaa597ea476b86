/**
 * Who may change something through the dashboard, over real HTTP on loopback (and real Chromium
 * behind a real Host-rewriting proxy): bull-board's API and the Books page's buttons take only
 * requests from the dashboard's own origin, read-only refuses them all, and one damaged book record
 * is named, not fatal, with no stack trace sent to a browser.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/start-dashboard.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { bookKeys, readBookRecord } from '../../src/queue/book-record.js';
import { openRedis } from '../../src/queue/connection.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bookAdmitKey, bullPrefix } from '../../src/queue/keys.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';
import { launchChromium } from '../helpers/chromium.js';

const USER = 'ops';
const PASSWORD = 'guards password';
const EVIL = 'http://evil.example';
const prefix = testPrefix('dashboard-guards');
const env = { NARRATE_PREFIX: prefix, NARRATE_DASHBOARD_USER: USER, NARRATE_DASHBOARD_PASSWORD: PASSWORD, NARRATE_LOG_LEVEL: 'silent' };
const config: Config = loadConfig(env);
const auth = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
const connection = openRedis('redis://127.0.0.1:6379', { name: `${prefix}-test` });
const synthesize = new Queue(SYNTHESIZE_QUEUE, { connection, prefix: bullPrefix(prefix) });
const finalize = new Queue(FINALIZE_QUEUE, { connection, prefix: bullPrefix(prefix) });

let dir = '';
let bookId = '';
let dashboard: Dashboard | undefined;
let browser: Browser | undefined;
const logLines: string[] = [];
const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (logLines.push(chunk.toString()), done()) }));

async function submit(title: string): Promise<string> {
  const file = join(dir, `${title.replace(/\W+/g, '-')}.md`);
  await writeFile(file, `# ${title}\n\nThe keeper climbed the stair of the tower by the sea and lit the lamp.\n`);
  const submission = await submitBooks([file], { outDir: join(dir, 'out'), title, format: 'mp3' }, config, connection);
  expect(submission.failures).toEqual([]);
  return submission.books[0]!.bookId;
}

/** A request with the dashboard's credentials and the given Origin (none when undefined). */
function send(base: Dashboard, method: string, path: string, options: { origin?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...auth, ...(options.origin === undefined ? {} : { origin: options.origin }), ...options.headers };
  return fetch(new URL(path, base.url), { method, headers, redirect: 'manual', ...(options.body === undefined ? {} : { body: options.body }) });
}
const ownOrigin = (base: Dashboard): string => new URL(base.url).origin;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'narrate-dashboard-guards-'));
  bookId = await submit('Guarded Book');
  dashboard = await startDashboard(config, { host: '127.0.0.1', port: 0, logger });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await obliterateQueues(connection, bullPrefix(prefix)).catch(() => undefined);
  await Promise.allSettled([synthesize.close(), finalize.close()]);
  await connection.quit().catch(() => connection.disconnect());
  await rm(dir, { recursive: true, force: true });
});

describe("bull-board's API takes changes only from the dashboard's own origin", () => {
  it('refuses a cross-origin text/plain POST that would add a job, and cross-origin PUTs, with 403', async () => {
    const before = await synthesize.count();
    const add = await send(dashboard!, 'POST', `api/queues/${SYNTHESIZE_QUEUE}/add`, { origin: EVIL, headers: { 'content-type': 'text/plain' }, body: '{"name":"evil","data":{}}' });
    expect(add.status).toBe(403);
    expect(await add.text()).toBe(`Refused: it comes from ${EVIL}, not from this dashboard\n`);
    expect(await synthesize.count()).toBe(before);

    for (const [method, path] of [['PUT', `api/queues/${FINALIZE_QUEUE}/pause`], ['PUT', 'api/queues/pause'], ['DELETE', `api/queues/${FINALIZE_QUEUE}/${bookId}`], ['PATCH', `api/queues/${FINALIZE_QUEUE}/pause`]] as const) {
      for (const origin of [EVIL, 'null', `${EVIL}:${new URL(dashboard!.url).port}`]) {
        const response = await send(dashboard!, method, path, { origin });
        await response.arrayBuffer();
        expect(response.status, `${method} ${path} from ${origin}`).toBe(403);
      }
      // No Origin at all (a script, or an old browser): refused, and so is a foreign Referer.
      const none = await send(dashboard!, method, path);
      expect(none.status).toBe(403);
      expect(await none.text()).toContain('must carry an Origin header');
      const referred = await send(dashboard!, method, path, { headers: { referer: `${EVIL}/attack.html` } });
      await referred.arrayBuffer();
      expect(referred.status).toBe(403);
    }
    expect(await finalize.isPaused()).toBe(false);
    // The book is still there, waiting to be admitted (no worker runs): its record and its place in line.
    expect(await connection.hget(bookKeys(prefix, bookId).record, 'state')).toBe('queued');
    expect(await connection.lpos(bookAdmitKey(prefix, bookId), bookId)).not.toBeNull();
  });

  it('accepts the same requests from its own origin', async () => {
    const pause = await send(dashboard!, 'PUT', `api/queues/${FINALIZE_QUEUE}/pause`, { origin: ownOrigin(dashboard!) });
    expect(pause.status).toBe(200);
    await pause.arrayBuffer();
    expect(await finalize.isPaused()).toBe(true);
    const resume = await send(dashboard!, 'PUT', `api/queues/${FINALIZE_QUEUE}/resume`, { headers: { referer: `${ownOrigin(dashboard!)}/queue/${FINALIZE_QUEUE}` } });
    expect(resume.status).toBe(200);
    await resume.arrayBuffer();
    expect(await finalize.isPaused()).toBe(false);
    // bull-board's own page, in a real browser, sends Origin with its requests and is let through.
    const context = await browser!.newContext({ httpCredentials: { username: USER, password: PASSWORD } });
    const page = await context.newPage();
    await page.goto(dashboard!.url);
    const statuses = await page.evaluate(async (queue) => {
      const pause = await fetch(`/api/queues/${queue}/pause`, { method: 'PUT' });
      const resume = await fetch(`/api/queues/${queue}/resume`, { method: 'PUT' });
      return [pause.status, resume.status];
    }, FINALIZE_QUEUE);
    expect(statuses).toEqual([200, 200]);
    await context.close();

    const before = await synthesize.count();
    const add = await send(dashboard!, 'POST', `api/queues/${SYNTHESIZE_QUEUE}/add`, { origin: ownOrigin(dashboard!), headers: { 'content-type': 'application/json' }, body: '{"name":"own","data":{}}' });
    expect(add.status).toBe(200);
    const added = (await add.json()) as { job: { id: string } };
    expect(await synthesize.count()).toBe(before + 1);
    await synthesize.remove(added.job.id);
  });
});

describe('read-only', () => {
  it('refuses every change, bull-board and Books page alike, and shows no buttons (NARRATE_DASHBOARD_READ_ONLY)', async () => {
    const readOnly = await startDashboard(loadConfig({ ...env, NARRATE_DASHBOARD_READ_ONLY: 'true' }), { host: '127.0.0.1', port: 0 });
    try {
      const origin = ownOrigin(readOnly);
      for (const [method, path] of [['PUT', `api/queues/${FINALIZE_QUEUE}/pause`], ['POST', `api/queues/${SYNTHESIZE_QUEUE}/add`], ['PUT', `api/queues/${SYNTHESIZE_QUEUE}/clean/completed`]] as const) {
        const response = await send(readOnly, method, path, { origin, headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(await response.text()).toContain('this dashboard is read-only');
      }
      expect(await finalize.isPaused()).toBe(false);
      // bull-board is told, so its page hides its buttons.
      const queues = (await (await send(readOnly, 'GET', 'api/queues')).json()) as { queues: { name: string; readOnlyMode: boolean }[] };
      expect(queues.queues.map((q) => q.readOnlyMode)).toEqual(queues.queues.map(() => true));

      // The Books page: no Cancel button in a real browser, and a forged form post with a real token is refused.
      const context = await browser!.newContext({ httpCredentials: { username: USER, password: PASSWORD } });
      const page = await context.newPage();
      await page.goto(new URL(`books/${bookId}`, readOnly.url).href);
      await expect.poll(() => page.locator('#summary').innerText()).toContain('queued');
      expect(await page.locator('#actions button').count()).toBe(0);
      expect(await page.locator('#actions').innerText()).toContain('read-only dashboard');
      const status = await page.evaluate(async (url) => (await fetch(url, { method: 'POST', body: new URLSearchParams({ csrf: 'x' }) })).status, new URL(`books/${bookId}/cancel`, readOnly.url).href);
      expect(status).toBe(403);
      await context.close();
      expect((await readBookRecord(connection, prefix, bookId))?.state).toBe('queued');
    } finally {
      await readOnly.close();
    }
  });

  it('narrate dashboard --read-only --serve DIR says so and refuses changes; a --serve that is a file is a usage error', async () => {
    const bin = fileURLToPath(new URL('../../bin/narrate.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'dashboard', '--port', '0', '--read-only', '--serve', join(dir, 'out'), '--serve', join(dir, 'more')], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await waitUntil('the dashboard to print its address', () => /audio from: .*\n/.test(stdout) && /dashboard: (\S+)/.exec(stdout)?.[1], { timeoutMs: 30_000 });
      expect(stdout).toContain('read-only');
      expect(stdout).toContain(`audio from: ${join(dir, 'out')} (does not exist yet), ${join(dir, 'more')} (does not exist yet)`);
      const response = await fetch(new URL(`api/queues/${FINALIZE_QUEUE}/pause`, url), { method: 'PUT', headers: { ...auth, origin: new URL(url).origin } });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('read-only');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);

    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const bad = await runCli(['dashboard', '--port', '0', '--serve', file], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`narrate: --serve: expected a directory, got "${file}" (not a directory)\n`);
  });
});

/** A reverse proxy on loopback that forwards everything to `target`, rewriting Host to the target's. */
async function hostRewritingProxy(target: () => URL): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const to = target();
    const upstream = httpRequest(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: { ...req.headers, host: to.host }, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('behind a reverse proxy that rewrites Host', () => {
  it('refuses the Books page buttons without NARRATE_DASHBOARD_ORIGIN, and takes them with it', async () => {
    let behind: Dashboard | undefined;
    const proxy = await hostRewritingProxy(() => new URL(behind!.url));
    // The public name differs from the Host the dashboard sees (127.0.0.1:<its port>).
    const publicOrigin = `http://localhost:${proxy.port}`;
    try {
      const clickCancel = async (): Promise<string> => {
        const context = await browser!.newContext({ httpCredentials: { username: USER, password: PASSWORD } });
        const page = await context.newPage();
        await page.goto(`${publicOrigin}/books/${bookId}`);
        await page.locator('#actions button[data-action="cancel"]').click();
        await page.waitForLoadState();
        const text = await page.locator('body').innerText();
        await context.close();
        return text;
      };

      behind = await startDashboard(config, { host: '127.0.0.1', port: 0 });
      expect(await clickCancel()).toContain(`Refused: it comes from ${publicOrigin}, not from this dashboard`);
      expect((await readBookRecord(connection, prefix, bookId))?.state).toBe('queued');
      await behind.close();

      behind = await startDashboard(loadConfig({ ...env, NARRATE_DASHBOARD_ORIGIN: publicOrigin }), { host: '127.0.0.1', port: 0 });
      // The Host the dashboard sees is no longer enough: only the public origin is its own.
      const direct = await send(behind, 'PUT', `api/queues/${FINALIZE_QUEUE}/pause`, { origin: ownOrigin(behind) });
      expect(direct.status).toBe(403);
      expect(await direct.text()).toBe(`Refused: it comes from ${ownOrigin(behind)}, not from this dashboard (${publicOrigin})\n`);
      expect(await clickCancel()).toMatch(/State\s+cancelled/);
      expect((await readBookRecord(connection, prefix, bookId))?.state).toBe('cancelled');
    } finally {
      await behind?.close();
      await proxy.close();
    }
  });
});

describe('a damaged book record', () => {
  it('is skipped and named on the page, in the log, by narrate list and narrate clean; never a stack trace', async () => {
    const goodId = await submit('Good Book');
    const damagedId = await submit('Damaged Book');
    await connection.hset(bookKeys(prefix, damagedId).record, 'sources', '{');
    const problem = `the record of book "${damagedId}" in Redis is damaged: sources is not a JSON list of file names: "{" (see redis-cli HGETALL ${bookKeys(prefix, damagedId).record})`;

    for (let i = 0; i < 3; i++) {
      const list = await send(dashboard!, 'GET', 'books');
      expect(list.status).toBe(200);
      const html = await list.text();
      expect(html).toContain(`data-book="${goodId}"`);
      expect(html).not.toContain(`data-book="${damagedId}"`);
      expect(html).toContain('Skipped 1 damaged book record:');
      expect(html).toContain(problem.replaceAll('"', '&quot;'));
    }
    expect(logLines.filter((line) => line.includes(problem.replaceAll('"', '\\"')))).toHaveLength(1);

    const one = await send(dashboard!, 'GET', `books/${damagedId}`);
    expect(one.status).toBe(500);
    const body = await one.text();
    expect(body).toContain(problem.replaceAll('"', '&quot;'));
    expect(body).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+/);

    const listed = await runCli(['list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(goodId);
    expect(listed.stdout).not.toContain(damagedId);
    expect(listed.stderr).toBe(`skipped: ${problem}\n`);
    const json = await runCli(['list', '--json'], env);
    expect((JSON.parse(json.stdout) as { bookId: string }[]).map((b) => b.bookId)).toContain(goodId);

    // The damaged book's state cannot be trusted: clean keeps it, says so, and cleans the rest.
    await connection.hset(bookKeys(prefix, goodId).record, 'state', 'done');
    const cleaned = await runCli(['clean', '--older-than', '0s'], env);
    expect(cleaned.code).toBe(0);
    expect(cleaned.stderr).toContain(`kept: ${problem}\n`);
    expect(cleaned.stdout).toContain(`removed ${goodId}`);
    expect(await connection.exists(bookKeys(prefix, damagedId).record)).toBe(1);
  });

  it('answers an unexpected failure with a short 500 and logs the stack', async () => {
    // A job whose data is not JSON makes BullMQ throw while reading it.
    await connection.hset(finalize.toKey('broken-job'), { name: 'finalize', data: '{', opts: '{}', timestamp: String(Date.now()) });
    const response = await send(dashboard!, 'GET', 'books/broken-job');
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("Internal error: the dashboard's log says what went wrong.\n");
    const logged = logLines.find((line) => line.includes('GET /books/broken-job failed'));
    expect(logged).toBeDefined();
    expect(logged).toContain('"stack"');
  });
});
