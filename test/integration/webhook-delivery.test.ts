/**
 * Webhook delivery as a notify worker does it, against real Redis (BullMQ retries), real HTTP
 * receivers on loopback and the receiver docs/notifications.md documents, run as it stands:
 * timestamped signatures, replays and stale posts refused by that receiver, redirects not followed,
 * private targets refused at delivery, the connection pinned to the checked address, each failed
 * attempt logged, and the secret kept out of Redis, logs and errors.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Job, Queue, Worker, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BookNotification } from '../../src/notify/book-notification.js';
import { logDeliveryFailures } from '../../src/notify/log-delivery-failures.js';
import { notifyProcessor, type NotifyDeps } from '../../src/notify/notify-processor.js';
import type { LookupAll } from '../../src/notify/resolve-webhook-target.js';
import { signBody } from '../../src/notify/sign-body.js';
import { openRedis } from '../../src/queue/connection.js';
import { NOTIFY_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { bookKeys } from '../../src/queue/book-record.js';
import { notifyJobId } from '../../src/notify/book-ended.js';
import { waitForDelivery } from '../../src/notify/wait-for-delivery.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { killAllSpawned, spawnProcess } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const SECRET = 'whsec-7c1d-never-in-redis';
const prefix = testPrefix('webhooks');

/** One request a receiver got: headers, the raw body, and when it arrived. */
interface Post {
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/** A loopback HTTP receiver that keeps every post and answers what `answer` says (default 204). */
interface Receiver {
  url: string;
  port: number;
  posts: Post[];
}

const notification = (bookId: string): BookNotification => ({ bookId, title: 'A Book', state: 'done', output: '/out/a-book.wav', manifest: '/out/a-book.json', durationMs: 1234, costUsd: 0.01, reason: null });

/** The receiver block of docs/notifications.md, exactly as a reader would copy it. */
async function documentedReceiver(): Promise<string> {
  const doc = await readFile(new URL('../../docs/notifications.md', import.meta.url), 'utf8');
  const block = /<!-- receiver\.mjs:[^\n]*-->\n```js\n([\s\S]*?)\n```/.exec(doc)?.[1];
  expect(block, 'docs/notifications.md has its receiver.mjs block').toBeDefined();
  return block!;
}

describe('webhook delivery', { timeout: 60_000 }, () => {
  let connection: Redis;
  let queue: Queue;
  let dir: string;
  const servers: Server[] = [];
  const workers: Worker[] = [];
  /** Every log line of every worker of this file, for the secret check at the end. */
  const allLogs: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-webhooks-'));
    connection = openRedis('redis://127.0.0.1:6379', { worker: true, name: 'narrate-test' });
    queue = new Queue(NOTIFY_QUEUE, { connection, prefix: bullPrefix(prefix) });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  afterAll(async () => {
    await killAllSpawned();
    await queue?.close();
    if (connection) {
      await obliterateQueues(connection, bullPrefix(prefix));
      await connection.quit();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function receiver(answer: (post: Post) => { status: number; headers?: Record<string, string> } = () => ({ status: 204 }), host = '127.0.0.1', port = 0): Promise<Receiver> {
    const posts: Post[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const post = { headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
        posts.push(post);
        const { status, headers } = answer(post);
        res.writeHead(status, headers).end();
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(port, host, r));
    const bound = (server.address() as AddressInfo).port;
    return { url: `http://${host}:${bound}/hook?token=abc`, port: bound, posts };
  }

  /** A notify worker as start-workers builds one (processor and failure log), logging into `lines`. */
  function notifyWorker(deps: Omit<NotifyDeps, 'logger'>): { lines: Array<Record<string, unknown>> } {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        allLogs.push(chunk.toString());
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const worker = new Worker(NOTIFY_QUEUE, notifyProcessor({ ...deps, logger }), { connection, prefix: bullPrefix(prefix), concurrency: 4 });
    worker.on('error', () => undefined);
    logDeliveryFailures(worker, logger);
    workers.push(worker);
    return { lines };
  }

  /** Queues one delivery and waits until it is completed or has failed for good. */
  async function deliver(url: string, bookId: string, options: JobsOptions = {}): Promise<{ job: Job; state: string }> {
    const added = await queue.add('notify', { url, notification: notification(bookId) }, { attempts: 1, ...options });
    const state = await waitUntil(
      `the delivery of ${bookId} to finish`,
      async () => {
        const s = await queue.getJobState(added.id!);
        return s === 'completed' || s === 'failed' ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, describe: async () => JSON.stringify(await queue.getJobCounts()) },
    );
    return { job: (await Job.fromId(queue, added.id!))!, state };
  }

  it('signs a timestamp with the body; the documented receiver accepts a post once, and refuses a replay, a stale one and a forgery', async () => {
    const capture = await receiver();
    notifyWorker({ secret: SECRET, allowPrivate: true });
    const before = Math.floor(Date.now() / 1000);
    expect((await deliver(capture.url, 'signed')).state).toBe('completed');
    const after = Math.floor(Date.now() / 1000);
    expect(capture.posts).toHaveLength(1);
    const post = capture.posts[0]!;
    const timestamp = Number(post.headers['x-narrate-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(JSON.parse(post.body.toString())).toEqual(notification('signed'));
    expect(post.headers['x-narrate-signature']).toBe(signBody(post.body.toString(), SECRET, timestamp));

    // The receiver of docs/notifications.md, run as a reader would run it.
    const file = join(dir, 'receiver.mjs');
    await writeFile(file, await documentedReceiver());
    const documented = spawnProcess(process.execPath, [file], { NARRATE_WEBHOOK_SECRET: SECRET, PORT: '0' });
    const port = Number(await waitUntil('the documented receiver to listen', () => /listening on (\d+)/.exec(documented.output())?.[1], { timeoutMs: 15_000, describe: () => documented.output() }));
    const send = async (headers: IncomingHttpHeaders, body: Buffer | string) => {
      const forwarded = Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('x-narrate-') || k === 'content-type')) as Record<string, string>;
      return (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: forwarded, body })).status;
    };

    // narrate's own post, straight to it: accepted.
    expect((await deliver(`http://127.0.0.1:${port}/hook`, 'live')).state).toBe('completed');
    await waitUntil('the documented receiver to accept the post', () => documented.output().includes('book live done: /out/a-book.wav'), { timeoutMs: 10_000, describe: () => documented.output() });
    // The captured post: genuine and fresh, accepted once; the same post again is a replay.
    expect(await send(post.headers, post.body)).toBe(204);
    expect(await send(post.headers, post.body)).toBe(401);
    // Validly signed, but sent more than 5 minutes ago: stale.
    const old = timestamp - 301;
    expect(await send({ 'x-narrate-timestamp': String(old), 'x-narrate-signature': signBody(post.body.toString(), SECRET, old) }, post.body)).toBe(401);
    // Another timestamp (still fresh) on the old signature, or another body under it: forged.
    expect(await send({ ...post.headers, 'x-narrate-timestamp': String(timestamp + 1) }, post.body)).toBe(401);
    expect(await send(post.headers, post.body.toString().replace('"done"', '"failed"'))).toBe(401);
    expect(documented.output().match(/refused: \w[\w ]*/g)).toEqual(['refused: replayed', 'refused: stale timestamp', 'refused: bad signature', 'refused: bad signature']);

    // verifyWebhook on its own, at the edges of the window.
    const { verifyWebhook } = (await import(file)) as { verifyWebhook: (s: string, h: IncomingHttpHeaders, b: Buffer, now?: number) => string | undefined };
    expect(verifyWebhook(SECRET, post.headers, post.body, timestamp + 301)).toBe('stale timestamp');
    expect(verifyWebhook(SECRET, post.headers, post.body, timestamp - 301)).toBe('stale timestamp');
    expect(verifyWebhook('another secret', post.headers, post.body, timestamp)).toBe('bad signature');
    expect(verifyWebhook(SECRET, post.headers, post.body, timestamp + 299)).toBeUndefined();
    expect(verifyWebhook(SECRET, post.headers, post.body, timestamp + 299)).toBe('replayed');
    documented.signal('SIGTERM');
    await documented.waitForExit(5_000);
  });

  it('does not follow a 307: the signed body never reaches the Location, and each failed attempt is logged with its next time', async () => {
    const elsewhere = await receiver();
    const redirecting = await receiver(() => ({ status: 307, headers: { location: elsewhere.url } }));
    const { lines } = notifyWorker({ secret: SECRET, allowPrivate: true });
    const { job, state } = await deliver(redirecting.url, 'redirected', { attempts: 2, backoff: { type: 'fixed', delay: 400 } });
    expect(state).toBe('failed');
    expect(job.failedReason).toBe(`webhook http://127.0.0.1:${redirecting.port}/hook answered 307 (a redirect: not followed)`);
    expect(redirecting.posts).toHaveLength(2);
    expect(elsewhere.posts).toHaveLength(0);

    const failures = lines.filter((l) => l.bookId === 'redirected');
    expect(failures).toHaveLength(2);
    const [first, last] = failures as [Record<string, unknown>, Record<string, unknown>];
    expect(first).toMatchObject({ level: 40, bookId: 'redirected', webhook: `127.0.0.1:${redirecting.port}`, status: 307, attempt: 1, attempts: 2 });
    expect(first.cause).toContain('answered 307');
    expect(String(first.msg)).toContain(`next attempt at ${String(first.nextAttemptAt)}`);
    // The next attempt came when the line said, not before (BullMQ set the delay the line reports).
    const next = Date.parse(String(first.nextAttemptAt));
    expect(next).toBeGreaterThan(redirecting.posts[0]!.at);
    expect(redirecting.posts[1]!.at).toBeGreaterThanOrEqual(next - 250);
    expect(last).toMatchObject({ level: 50, bookId: 'redirected', status: 307, attempt: 2, attempts: 2, nextAttemptAt: null });
    expect(String(last.msg)).toContain('no attempt left');
    for (const line of failures) expect(JSON.stringify(line)).not.toContain('token=abc');
  });

  it('logs a receiver that cannot be reached, by cause, and retries it', async () => {
    const closed = await receiver();
    const url = closed.url;
    await new Promise((r) => servers.pop()!.close(r));
    const { lines } = notifyWorker({ secret: SECRET, allowPrivate: true });
    const { state } = await deliver(url, 'unreachable', { attempts: 2, backoff: { type: 'fixed', delay: 100 } });
    expect(state).toBe('failed');
    const failures = lines.filter((l) => l.bookId === 'unreachable');
    expect(failures.map((l) => l.attempt)).toEqual([1, 2]);
    expect(failures[0]).toMatchObject({ webhook: `127.0.0.1:${closed.port}`, cause: `webhook http://127.0.0.1:${closed.port}/hook unreachable: ECONNREFUSED` });
    expect(failures[0]).not.toHaveProperty('status');
    expect(Date.parse(String(failures[0]!.nextAttemptAt))).toBeGreaterThan(0);
  });

  it('refuses a private target at delivery, by address or by what the host resolves to, without retrying or posting', async () => {
    const inside = await receiver();
    const lookup: LookupAll = async (hostname) => (hostname === 'hooks.internal.example' ? [{ address: '127.0.0.1', family: 4 }] : Promise.reject(new Error(`unexpected ${hostname}`)));
    const { lines } = notifyWorker({ secret: SECRET, allowPrivate: false, lookup });
    const cases: Array<[string, string, RegExp]> = [
      ['by-address', inside.url, /refused: 127\.0\.0\.1 \(loopback\)/],
      ['by-name', `http://hooks.internal.example:${inside.port}/hook`, /refused: hooks\.internal\.example resolves to 127\.0\.0\.1 \(loopback\)/],
      ['mapped', `http://[::ffff:127.0.0.1]:${inside.port}/hook`, /refused: ::ffff:7f00:1 \(loopback, as IPv4-mapped IPv6\)/],
      ['userinfo', `http://ops:pw@127.0.0.1:${inside.port}/hook`, /refused: a user or password in the URL/],
    ];
    for (const [bookId, url, reason] of cases) {
      const { job, state } = await deliver(url, bookId, { attempts: 5, backoff: { type: 'fixed', delay: 100 } });
      expect(state, bookId).toBe('failed');
      expect(job.attemptsMade, `${bookId}: no attempt wasted on a refused target`).toBe(1);
      expect(job.failedReason, bookId).toMatch(reason);
      expect(job.failedReason, bookId).not.toContain(':pw@');
      const logged = lines.filter((l) => l.bookId === bookId);
      expect(logged, bookId).toHaveLength(1);
      expect(logged[0], bookId).toMatchObject({ level: 50, nextAttemptAt: null });
    }
    expect(inside.posts).toHaveLength(0);
  });

  it('connects only to the address it checked: a second DNS answer is never used', async () => {
    // Two receivers on one port: the checked address (127.0.0.2) and where the name points next (127.0.0.1).
    const pointedAtNext = await receiver(undefined, '127.0.0.1');
    const checked = await receiver(undefined, '127.0.0.2', pointedAtNext.port);
    const asked: string[] = [];
    const lookup: LookupAll = async (hostname) => {
      asked.push(hostname);
      return [{ address: asked.length === 1 ? '127.0.0.2' : '127.0.0.1', family: 4 }];
    };
    notifyWorker({ secret: SECRET, allowPrivate: true, lookup });
    // `localhost`: a connection made by name, through any resolver, would land on 127.0.0.1 (or ::1), not 127.0.0.2.
    expect((await deliver(`http://localhost:${checked.port}/hook`, 'pinned')).state).toBe('completed');
    expect(checked.posts).toHaveLength(1);
    expect(checked.posts[0]!.headers.host).toBe(`localhost:${checked.port}`);
    expect(pointedAtNext.posts).toHaveLength(0);
    expect(asked).toEqual(['localhost']);
  });

  it('waits for a book\'s delivery: delivered, failed for good with the last reason, or none to make', async () => {
    const ok = await receiver();
    const failing = await receiver(() => ({ status: 500 }));
    notifyWorker({ secret: SECRET, allowPrivate: true });
    /** A finished book's record, and its notify job queued as bookEnded queues it (under notifyJobId). */
    const ended = async (bookId: string, url: string | undefined, attempts: number) => {
      const record = { bookId, title: bookId, author: '', state: 'failed', updatedAt: new Date().toISOString(), createdAt: new Date().toISOString(), sources: '[]', ...(url ? { notify: url } : {}) };
      await connection.hset(bookKeys(prefix, bookId).record, record);
      if (url) await queue.add('notify', { url, notification: notification(bookId) }, { jobId: notifyJobId(record as never), attempts, backoff: { type: 'fixed', delay: 200 } });
    };
    await ended('wait-ok', ok.url, 3);
    await ended('wait-failing', failing.url, 3);
    await ended('wait-none', undefined, 1);
    const [delivered, failed, none] = await Promise.all(['wait-ok', 'wait-failing', 'wait-none'].map((id) => waitForDelivery(connection, queue, prefix, id, undefined, { intervalMs: 50 })));
    expect(delivered).toEqual({ bookId: 'wait-ok', outcome: 'delivered', webhook: `http://127.0.0.1:${ok.port}/hook` });
    // Only once every attempt is spent.
    expect(failing.posts).toHaveLength(3);
    expect(failed).toEqual({ bookId: 'wait-failing', outcome: 'failed', webhook: `http://127.0.0.1:${failing.port}/hook`, reason: `webhook http://127.0.0.1:${failing.port}/hook answered 500` });
    expect(none).toEqual({ bookId: 'wait-none', outcome: 'none' });
  });

  it('keeps the secret out of Redis, logs and errors', async () => {
    const failing = await receiver(() => ({ status: 503 }));
    const { lines } = notifyWorker({ secret: SECRET, allowPrivate: true });
    const { job } = await deliver(failing.url, 'secretive', { attempts: 2, backoff: { type: 'fixed', delay: 50 } });
    expect(failing.posts).toHaveLength(2);
    expect(failing.posts[0]!.headers['x-narrate-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(lines.length).toBeGreaterThan(0);
    expect(job.failedReason).not.toContain(SECRET);
    expect(JSON.stringify(job.stacktrace)).not.toContain(SECRET);
    expect(allLogs.join('')).not.toContain(SECRET);
    // Every key of this file's prefix, every value in it, as Redis holds them.
    const dump: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await connection.scan(cursor, 'MATCH', `${bullPrefix(prefix)}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await connection.type(key);
        if (type === 'string') dump.push(key, (await connection.get(key)) ?? '');
        else if (type === 'hash') dump.push(key, JSON.stringify(await connection.hgetall(key)));
        else if (type === 'list') dump.push(key, ...(await connection.lrange(key, 0, -1)));
        else if (type === 'set') dump.push(key, ...(await connection.smembers(key)));
        else if (type === 'zset') dump.push(key, ...(await connection.zrange(key, 0, -1)));
        else if (type === 'stream') dump.push(key, JSON.stringify(await connection.xrange(key, '-', '+')));
      }
    } while (cursor !== '0');
    expect(dump.join('\n')).toContain('secretive');
    expect(dump.join('\n')).not.toContain(SECRET);
  });
});
