/**
 * Operating a fleet with the real CLI, real worker processes, real Redis and the fake model:
 * list, cancel, retry, pause/resume, clean, cost caps, the daily budget and signed webhooks.
 */
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { bookKeys, readBookRecord, type BookRecord, type BookState } from '../../src/queue/book-record.js';
import { openRedis } from '../../src/queue/connection.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config.js';
import { bookControlActions } from '../../src/dashboard/book-control-actions.js';
import type { CliIo } from '../../src/cli/io.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { killAllSpawned, spawnWorker, type SpawnedProcess } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { waitUntil } from '../helpers/wait-until.js';

const KEY = 'ops-key';
const SECRET = 'webhook-s3cret-value';

/**
 * Runs a command through the CLI's own entry (commander, config, exit codes) in this process:
 * a fresh node per command costs seconds on a loaded machine. Workers stay real processes, and a few
 * checks below go through the built binary too.
 */
async function cliInProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    env,
  } as unknown as CliIo;
  const code = await main(['node', 'narrate', ...args], io);
  return { code, stdout, stderr };
}

/** A book whose every paragraph is one chunk and names `tag`, so the fake's calls can be counted per book. */
async function writeBook(dir: string, tag: string, count: number): Promise<{ path: string; paragraphs: string[]; maxChars: number }> {
  const paragraphs = Array.from({ length: count }, (_, i) => `The ${tag} story, part ${String(i + 1).padStart(3, '0')}, tells of the amber birch that waited by the river until morning came.`);
  const path = join(dir, `${tag}.txt`);
  await writeFile(path, `${paragraphs.join('\n\n')}\n`);
  return { path, paragraphs, maxChars: paragraphs[0]!.length + 10 };
}

describe('operating books: list, cancel, retry, pause, clean, money and webhooks', { timeout: 240_000 }, () => {
  let dir: string;
  let fake: FakeModelServer;
  let redis: Redis;
  const prefixes: string[] = [];
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-ops-'));
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 150 });
    redis = openRedis('redis://127.0.0.1:6379', { name: 'narrate-test' });
  });

  afterAll(async () => {
    await killAllSpawned();
    await Promise.allSettled(closers.map((c) => c()));
    for (const p of prefixes) {
      await obliterateQueues(redis, bullPrefix(p)).catch(() => undefined);
      const keys = await redis.keys(`${bullPrefix(p)}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A prefix, store and environment of one test's own. */
  function deployment(name: string, extra: Record<string, string> = {}) {
    const prefix = testPrefix(`ops-${name}`);
    prefixes.push(prefix);
    const env: Record<string, string> = {
      NARRATE_PREFIX: prefix,
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(dir, `segments-${name}`),
      NARRATE_BACKOFF_MS: '50',
      NARRATE_LOG_LEVEL: 'info',
      ...extra,
    };
    const cli = (args: string[], more: Record<string, string> = {}): Promise<CliResult> => cliInProcess(args, { ...env, ...more });
    const binary = (args: string[]): Promise<CliResult> => runCli(args, env, { timeoutMs: 60_000 });
    const submit = async (book: { path: string; maxChars: number }, flags: string[] = []) => {
      const r = await cli(['submit', book.path, '--out', join(dir, `out-${name}`), '--format', 'wav', '--max-chars', String(book.maxChars), ...flags]);
      const id = /^(\S+)\t/m.exec(r.stdout)?.[1];
      return { ...r, id };
    };
    const record = (id: string) => readBookRecord(redis, prefix, id);
    const waitState = (id: string, state: BookState, worker?: SpawnedProcess, timeoutMs = 60_000) =>
      waitUntil(`book ${id} to be ${state}`, async () => ((await record(id))?.state === state ? ((await record(id)) as BookRecord) : undefined), {
        timeoutMs,
        intervalMs: 100,
        describe: async () => `${JSON.stringify(await record(id))}; worker: ${worker?.output().slice(-1_500) ?? ''}`,
      });
    const worker = (more: Record<string, string> = {}) => spawnWorker({ ...env, ...more });
    return { prefix, env, cli, binary, submit, record, waitState, worker };
  }

  const callsFor = (tag: string) => fake.calls.filter((c) => c.text.includes(`The ${tag} story`)).length;

  async function stop(w: SpawnedProcess): Promise<void> {
    w.signal('SIGTERM');
    expect((await w.waitForExit(15_000))?.code, w.output().slice(-1_000)).toBe(0);
  }

  it('lists books (text and --json), and answers bad flags with 2 and unknown books with 1', async () => {
    const d = deployment('list');
    const book = await writeBook(dir, 'listed', 3);
    const submitted = await d.submit(book, ['--max-cost', '5']);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stderr).toMatch(/estimate \S+: 4 model calls, \d+ input \+ \d+ text output \+ \d+ audio output tokens .*about \$0\.\d{4}/);
    const id = submitted.id!;

    const list = await d.cli(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\tqueued\\t0/3\\t\\$0\\.0000/\\$5\\.00\\t\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\tListed$`, 'm'));
    const json = JSON.parse((await d.cli(['list', '--json'])).stdout) as BookRecord[];
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ bookId: id, title: 'Listed', state: 'queued', chunksDone: 0, chunksTotal: 3, costUsd: 0, maxCostUsd: 5 });
    expect(json[0]!.estimateUsd).toBeGreaterThan(0);
    expect(JSON.parse((await d.cli(['list', '--state', 'done', '--json'])).stdout)).toEqual([]);

    const usage: Array<[string[], string]> = [
      [['list', '--state', 'finished'], '--state: expected one of queued'],
      [['submit', book.path, '--max-cost', 'abc'], '--max-cost: expected a positive number of US dollars, got "abc"'],
      [['submit', book.path, '--notify', 'ftp://example.com/hook'], '--notify: expected an http(s) URL'],
      [['clean', '--older-than', 'yesterday'], '--older-than: expected an age such as 7d'],
    ];
    for (const [args, message] of usage) {
      const r = await d.cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(message);
    }

    // The built binary answers the same way as the entry called in-process.
    const viaBinary = await d.binary(['list', '--state', 'finished']);
    expect(viaBinary.code).toBe(2);
    expect(viaBinary.stderr).toContain('--state: expected one of');
    expect((await d.binary(['cancel', 'no-such-book'])).code).toBe(1);
    for (const cmd of ['cancel', 'retry']) {
      const r = await d.cli([cmd, 'no-such-book']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no book "no-such-book"');
    }

    // A cap under the estimate: refused at submit, nothing queued, no model call.
    const before = fake.calls.length;
    const refused = await d.submit(await writeBook(dir, 'pricey', 3), ['--max-cost', '0.000001']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/"Pricey" is estimated at \$\S+, over its cap of \$0\.0000010 \(--max-cost\): not submitted/);
    expect(JSON.parse((await d.cli(['list', '--json'])).stdout)).toHaveLength(1);
    expect(fake.calls.length).toBe(before);

    // The Books page's buttons do what the commands do.
    const config = loadConfig(d.env);
    const buttons = bookControlActions(config, redis);
    expect((await buttons.retry(id)).status).toBe(409);
    expect((await buttons.cancel('no-such-book')).status).toBe(404);
    const cancelled = await buttons.cancel(id);
    expect(cancelled).toMatchObject({ status: 200 });
    expect((await d.record(id))?.state).toBe('cancelled');
    await d.cli(['cancel', id, '--purge']);
  });

  it('cancel stops the model calls of a running book; its state is cancelled', async () => {
    // A slow model of its own: the book must still be running when the cancel (a whole CLI start) lands.
    const slow = await startFakeModel({ apiKey: KEY, latencyMs: 1_500 });
    closers.push(() => slow.close());
    const d = deployment('cancel', { NARRATE_BASE_URL: slow.url });
    const callsFor = (tag: string) => slow.calls.filter((c) => c.text.includes(`The ${tag} story`)).length;
    const book = await writeBook(dir, 'cancelled', 20);
    const { id } = await d.submit(book);
    const w = d.worker({ NARRATE_CONCURRENCY: '2' });
    await waitUntil('a few calls for the book', () => callsFor('cancelled') >= 4, { timeoutMs: 60_000, describe: () => w.output().slice(-1_000) });
    const cancel = await d.cli(['cancel', id!]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`cancelled ${id}`);
    const atCancel = callsFor('cancelled');
    // Every job of the book runs out (calls in flight finish, the rest stop before their call).
    await waitUntil(
      'the synthesize queue to be empty',
      async () => {
        const c = await redis.eval(
          "return {redis.call('LLEN', KEYS[1]), redis.call('LLEN', KEYS[2]), redis.call('ZCARD', KEYS[3])}",
          3,
          `${bullPrefix(d.prefix)}:synthesize:wait`,
          `${bullPrefix(d.prefix)}:synthesize:active`,
          `${bullPrefix(d.prefix)}:synthesize:prioritized`,
        ) as number[];
        return c.every((n) => n === 0);
      },
      { timeoutMs: 60_000 },
    );
    // Two calls were in flight at most when the book was cancelled; nothing new went out after.
    expect(callsFor('cancelled') - atCancel).toBeLessThanOrEqual(2);
    expect(callsFor('cancelled')).toBeLessThan(20);
    const r = await d.record(id!);
    expect(r?.state).toBe('cancelled');
    expect(r?.chunksDone).toBeLessThan(20);
    const listed = JSON.parse((await d.cli(['list', '--state', 'cancelled', '--json'])).stdout) as BookRecord[];
    expect(listed.map((b) => b.bookId)).toEqual([id]);
    expect((await d.cli(['cancel', id!])).stdout).toContain('already cancelled');
    // status says cancelled too (BullMQ alone knows the book only as failed), with its reason.
    const line = (await d.cli(['status'])).stdout.split('\n').find((l) => l.startsWith(id!));
    expect(line).toMatch(new RegExp(`^${id}\tcancelled\t.*cancelled`));
    expect((await d.cli(['status', id!])).stdout.split('\n')[0]).toMatch(/\tcancelled\t/);

    // --purge: its keys leave Redis.
    const purge = await d.cli(['cancel', id!, '--purge']);
    expect(purge.code, purge.stderr).toBe(0);
    expect(await redis.exists(bookKeys(d.prefix, id!).record, bookKeys(d.prefix, id!).done)).toBe(0);
    expect(await redis.exists(`${bullPrefix(d.prefix)}:finalize:${id}`)).toBe(0);
    await stop(w);
  });

  it('retries a book that failed on a bad key once the key is fixed, with its source file deleted', async () => {
    const d = deployment('retry');
    const book = await writeBook(dir, 'retried', 6);
    const { id } = await d.submit(book);
    const bad = d.worker({ NARRATE_API_KEY: 'wrong-key' });
    const failed = await d.waitState(id!, 'failed', bad);
    expect(failed.reason).toMatch(/401|API key/i);
    expect(fake.calls.filter((c) => c.text.includes('The retried story') && c.status === 401).length).toBeGreaterThan(0);
    await stop(bad);
    expect((await d.cli(['retry', id!, '--max-cost', 'lots'])).code).toBe(2);

    await rm(book.path);
    const retry = await d.cli(['retry', id!]);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toContain(`retrying ${id}`);
    expect((await d.record(id!))?.state).toBe('queued');
    const good = d.worker();
    const done = await d.waitState(id!, 'done', good);
    expect(done.chunksDone).toBe(6);
    expect(existsSync(done.output!)).toBe(true);
    expect(done.costUsd).toBeGreaterThan(0);
    const manifest = JSON.parse(await readFile(done.manifest!, 'utf8')) as BookReport & { totals: { costUsd: number } };
    expect(manifest.totals.costUsd).toBeGreaterThan(0);
    expect(manifest.chunks.every((c) => (c as { costUsd: number }).costUsd > 0)).toBe(true);
    // The cost in Redis is every call's (the 401s cost nothing): the manifest's and the record's agree.
    expect(done.costUsd).toBeCloseTo(manifest.totals.costUsd, 5);

    const cancelDone = await d.cli(['cancel', id!]);
    expect(cancelDone.code).toBe(1);
    expect(cancelDone.stderr).toContain('already done');
    expect((await d.cli(['retry', id!])).code).toBe(1);
    const status = await d.cli(['status', id!]);
    expect(status.stdout).toMatch(/cost: \$0\.\d{4} \(estimated \$0\.\d{4}\)/);
    await stop(good);
  });

  it('stops a book at its cost cap (over-budget) and continues it after retry --max-cost raises the cap', async () => {
    const prices = join(dir, 'prices.yaml');
    // A thousand times the list price: the first reading alone passes a $1 cap.
    await writeFile(prices, 'gpt-4o-audio-preview:\n  textInputPerM: 2500\n  textOutputPerM: 10000\n  audioOutputPerM: 80000\n');
    const d = deployment('cap');
    const book = await writeBook(dir, 'capped', 8);
    const { id, code, stderr } = await d.submit(book, ['--max-cost', '1']);
    expect(code, stderr).toBe(0);
    const w = d.worker({ NARRATE_PRICES: prices, NARRATE_CONCURRENCY: '1' });
    const over = await d.waitState(id!, 'over-budget', w);
    expect(over.reason).toMatch(/reaching its cap of \$1/);
    expect(over.costUsd).toBeGreaterThanOrEqual(1);
    // Concurrency 1: the call that crossed the cap, and none after it.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(callsFor('capped')).toBe(1);

    const tooLow = await d.cli(['retry', id!, '--max-cost', '0.5']);
    expect(tooLow.code).toBe(1);
    expect(tooLow.stderr).toContain('raise it with --max-cost');
    expect((await d.cli(['retry', id!])).code).toBe(1);
    const raised = await d.cli(['retry', id!, '--max-cost', '100000']);
    expect(raised.code, raised.stderr).toBe(0);
    const done = await d.waitState(id!, 'done', w);
    expect(done.maxCostUsd).toBe(100000);
    // The chunk bought before the stop came from the store: each paragraph was read once in all.
    for (const p of book.paragraphs) expect(fake.callsFor(p)).toBe(1);
    await stop(w);
  });

  it('NARRATE_DAILY_BUDGET: once spent, workers make no model call and books wait instead of failing', async () => {
    const d = deployment('daily', { NARRATE_DAILY_BUDGET: '0.000001' });
    const book = await writeBook(dir, 'budgeted', 6);
    const { id } = await d.submit(book);
    const w = d.worker({ NARRATE_CONCURRENCY: '1' });
    await waitUntil('the first call', () => callsFor('budgeted') >= 1, { timeoutMs: 60_000, describe: () => w.output().slice(-1_000) });
    await waitUntil('the budget to be counted', async () => Number(await redis.get(`${bullPrefix(d.prefix)}:spend:${new Date().toISOString().slice(0, 10)}`)) > 0, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(callsFor('budgeted')).toBe(1);
    const r = await d.record(id!);
    expect(['queued', 'narrating']).toContain(r?.state);
    const status = await d.cli(['status']);
    expect(status.stdout).toMatch(/waiting: daily budget spent: \$\S+ of NARRATE_DAILY_BUDGET=\$0\.000001/);
    await stop(w);
  });

  it('posts a signed webhook when a book is done, retried after the receiver fails, and when one is cancelled', async () => {
    const received: { body: string; signature: string | undefined; timestamp: string | undefined; status: number }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        // The first delivery fails: the second must come.
        const status = received.length === 0 ? 503 : 200;
        received.push({ body, signature: req.headers['x-narrate-signature'] as string | undefined, timestamp: req.headers['x-narrate-timestamp'] as string | undefined, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=abc`;
    try {
      // The receiver is on loopback, which webhooks are refused by default.
      const d = deployment('notify', { NARRATE_WEBHOOK_SECRET: SECRET, NARRATE_WEBHOOK_ALLOW_PRIVATE: 'true' });
      const book = await writeBook(dir, 'notified', 2);
      // The first reading of part 1 answers instead of reading: rejected, paid for, counted.
      fake.inject({ kind: 'answer', match: book.paragraphs[0]! });
      const { id } = await d.submit(book, ['--notify', url]);
      const w = d.worker();
      const done = await d.waitState(id!, 'done', w);
      expect(done.rejectedReadings).toBe(1);
      expect(done.rejectedCostUsd).toBeGreaterThan(0);
      expect(done.rejectedCostUsd).toBeLessThan(done.costUsd);
      const manifest = JSON.parse(await readFile(done.manifest!, 'utf8')) as { totals: { costUsd: number; rejectedCostUsd: number } };
      expect(manifest.totals.rejectedCostUsd).toBeCloseTo(done.rejectedCostUsd, 6);
      expect(manifest.totals.costUsd).toBeCloseTo(done.costUsd, 6);
      expect((await d.cli(['status', id!])).stdout).toMatch(/rejected readings: 1, \$0\.\d{4} \(the price of fidelity\)/);
      await waitUntil('a delivered webhook', () => received.some((r) => r.status === 200), { timeoutMs: 60_000, describe: () => JSON.stringify(received) });
      expect(received[0]!.status).toBe(503);
      const ok = received.find((r) => r.status === 200)!;
      expect(ok.body).toBe(received[0]!.body);
      expect(ok.timestamp).toMatch(/^\d+$/);
      expect(ok.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ok.timestamp}.${ok.body}`).digest('hex')}`);
      const payload = JSON.parse(ok.body) as Record<string, unknown>;
      expect(payload).toMatchObject({ bookId: id, title: 'Notified', state: 'done', output: done.output, manifest: done.manifest });
      expect(payload.durationMs).toBeGreaterThan(0);
      expect(payload.costUsd).toBeGreaterThan(0);

      // NARRATE_WEBHOOK_URL for a book submitted without --notify; its cancel is announced.
      const other = await writeBook(dir, 'announced', 3);
      const paused = await d.cli(['pause']);
      expect(paused.code).toBe(0);
      const second = await d.submit(other, [], );
      expect((await d.cli(['cancel', second.id!], { NARRATE_WEBHOOK_URL: url })).code).toBe(0);
      await d.cli(['resume']);
      await waitUntil('the cancel notice', () => received.some((r) => r.body.includes('"state":"cancelled"')), { timeoutMs: 60_000 });
      const notice = JSON.parse(received.find((r) => r.body.includes('"state":"cancelled"'))!.body) as Record<string, unknown>;
      expect(notice).toMatchObject({ bookId: second.id, state: 'cancelled', output: null });
      await stop(w);
      expect(w.output()).not.toContain(SECRET);
      expect(w.output()).not.toContain('token=abc');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('pause holds the fleet, resume lets it go on, and clean removes old finished books', async () => {
    const d = deployment('pause');
    expect((await d.cli(['pause'])).code).toBe(0);
    const book = await writeBook(dir, 'paused', 3);
    const { id } = await d.submit(book);
    const w = d.worker();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(callsFor('paused')).toBe(0);
    expect((await d.cli(['status'])).stdout).toContain('paused: the fleet takes no new job');
    expect((await d.cli(['resume'])).code).toBe(0);
    await d.waitState(id!, 'done', w);
    await stop(w);

    // Not old enough: kept.
    expect((await d.cli(['clean', '--older-than', '1h'])).stdout).not.toContain(id!);
    expect(await d.record(id!)).toBeDefined();
    const clean = await d.cli(['clean', '--older-than', '0s']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`removed ${id}`);
    expect(await d.record(id!)).toBeUndefined();
    expect(await redis.exists(`${bullPrefix(d.prefix)}:finalize:${id}`, bookKeys(d.prefix, id!).record, `${bullPrefix(d.prefix)}:synthesize:${id}-c0`)).toBe(0);
    expect(JSON.parse((await d.cli(['list', '--json'])).stdout)).toEqual([]);
  });
});
