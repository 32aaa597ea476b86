/**
 * Webhooks through the real command line: private, loopback, link-local and unspecified targets
 * and URLs with credentials refused before anything is queued (exit 2, the URL named without its
 * query), and `narrate run --notify` staying until its webhook is delivered, logging the failed
 * attempt before it. Real Redis, the real binary, the fake model and a receiver on loopback.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { openRedis } from '../../src/queue/connection.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';

const KEY = 'webhook-cli-key';
const SECRET = 'whsec-cli-9f2e-never-printed';

/** The CLI's own entry (commander, config, exit codes) in this process: a fresh node per refusal costs seconds. */
async function cliInProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) }, env } as unknown as CliIo;
  const code = await main(['node', 'narrate', ...args], io);
  return { code, stdout, stderr };
}

describe('webhooks from the command line', { timeout: 180_000 }, () => {
  let dir: string;
  let book: string;
  let fake: FakeModelServer;
  let redis: Redis;
  const prefix = testPrefix('webhook-cli');
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-webhook-cli-'));
    book = join(dir, 'lantern.md');
    await writeFile(book, '# The Lantern\n\nThe lantern burned all night by the harbour wall.\n\nAt dawn the keeper put it out.\n');
    fake = await startFakeModel({ apiKey: KEY });
    redis = openRedis('redis://127.0.0.1:6379', { name: 'narrate-test' });
    env = { NARRATE_PREFIX: prefix, NARRATE_API_KEY: KEY, NARRATE_BASE_URL: fake.url, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'info', NARRATE_WEBHOOK_SECRET: SECRET };
  });

  afterAll(async () => {
    await obliterateQueues(redis, bullPrefix(prefix)).catch(() => undefined);
    await redis?.quit();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses private, loopback, link-local and unspecified webhooks and credentials in the URL, with exit 2, queuing nothing', async () => {
    const out = join(dir, 'out-refused');
    const refused: Array<[string, RegExp]> = [
      ['http://localhost:8080/hook?token=abc', /--notify: expected a public address, got http:\/\/localhost:8080\/hook: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/],
      ['http://127.0.0.1:9/hook?token=abc', /--notify: expected a public address, got http:\/\/127\.0\.0\.1:9\/hook: 127\.0\.0\.1 \(loopback\)/],
      ['http://169.254.169.254/latest/meta-data/?token=abc', /169\.254\.169\.254 \(link-local\)/],
      ['http://0/?token=abc', /got http:\/\/0\.0\.0\.0\/: 0\.0\.0\.0 \(unspecified\)/],
      ['http://[::]/hook', /:: \(unspecified\)/],
      ['http://[::ffff:127.0.0.1]/hook', /::ffff:7f00:1 \(loopback, as IPv4-mapped IPv6\)/],
      ['http://10.1.2.3/hook', /10\.1\.2\.3 \(private, RFC 1918\)/],
      ['http://192.168.0.10/hook', /private, RFC 1918/],
      ['http://100.64.0.1/hook', /carrier-grade NAT/],
      ['https://[fd00::1]/hook', /private, fc00::\/7/],
      ['https://ops:hunter2@hooks.example.com/hook?token=abc', /--notify: expected a URL without user:password@ .*, got "https:\/\/hooks\.example\.com\/hook"/],
    ];
    for (const [url, message] of refused) {
      // `run` too where a broken check could only reach a closed loopback port, never another host.
      for (const command of url.includes('localhost') || url.includes('127.0.0.1:9/') ? ['submit', 'run'] : ['submit']) {
        const r = await cliInProcess([command, book, '--out', out, '--notify', url], env);
        expect(r.code, `${command} ${url}: ${r.stderr}`).toBe(2);
        expect(r.stderr, url).toMatch(message);
        if (!url.includes('@')) expect(r.stderr, url).toContain('NARRATE_WEBHOOK_ALLOW_PRIVATE=true allows it');
        expect(r.stderr, url).not.toContain('token=abc');
        expect(r.stderr, url).not.toContain('hunter2');
      }
    }
    // The deployment's webhook: a config error, for submit, run and worker alike.
    for (const command of [['submit', book, '--out', out], ['run', book, '--out', out], ['worker']]) {
      const r = await cliInProcess(command, { ...env, NARRATE_WEBHOOK_URL: 'http://localhost:9/hook?token=abc' });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^narrate: NARRATE_WEBHOOK_URL: expected a public address, got http:\/\/localhost:9\/hook: localhost resolves to/);
      expect(r.stderr).not.toContain('token=abc');
    }
    const userinfo = await cliInProcess(['submit', book, '--out', out], { ...env, NARRATE_WEBHOOK_URL: 'https://ops:hunter2@hooks.example.com/x' });
    expect(userinfo.code).toBe(2);
    expect(userinfo.stderr).toContain('NARRATE_WEBHOOK_URL: expected a URL without user:password@');
    expect(userinfo.stderr).not.toContain('hunter2');
    // Nothing reached Redis: no book, no job.
    expect(await redis.keys(`${bullPrefix(prefix)}:*`)).toEqual([]);
    expect(fake.calls).toHaveLength(0);
  });

  it('narrate run --notify waits for the delivery, logging the failed attempt before it', async () => {
    const posts: Array<{ status: number; at: number; signature: string | undefined }> = [];
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // The first post fails: the run must still be there for the second, about 2 s later.
        const status = posts.length === 0 ? 503 : 204;
        posts.push({ status, at: Date.now(), signature: req.headers['x-narrate-signature'] as string | undefined });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await runCli(['run', book, '--out', join(dir, 'out-run'), '--format', 'wav', '--notify', `http://127.0.0.1:${port}/hook?token=abc`], {
        ...env,
        // The receiver is on loopback, which webhooks are refused by default.
        NARRATE_WEBHOOK_ALLOW_PRIVATE: 'true',
      }, { timeoutMs: 150_000 });
      const exitedAt = Date.now();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(join(dir, 'out-run', 'lantern.wav'));
      const bookId = /^queued (\S+):/m.exec(r.stderr)?.[1];
      expect(bookId, r.stderr).toBeDefined();
      // Delivered before the process ended.
      expect(posts.map((p) => p.status)).toEqual([503, 204]);
      expect(posts[1]!.at).toBeLessThanOrEqual(exitedAt);
      expect(posts[1]!.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(r.stderr).toContain(`webhook of ${bookId} delivered to http://127.0.0.1:${port}/hook\n`);
      // The failed attempt, as a log line: the book, the host, the status and when the next attempt is.
      const failed = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.status === 503);
      expect(failed, r.stderr).toMatchObject({ bookId, webhook: `127.0.0.1:${port}`, attempt: 1, attempts: 8 });
      expect(Date.parse(String(failed!.nextAttemptAt))).toBeGreaterThan(posts[0]!.at);
      expect(posts[1]!.at).toBeGreaterThanOrEqual(Date.parse(String(failed!.nextAttemptAt)) - 250);
      expect(r.stderr).not.toContain('token=abc');
      expect(r.stderr).not.toContain(SECRET);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
