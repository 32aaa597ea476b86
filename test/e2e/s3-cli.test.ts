/**
 * What a user sees when the store or --out is wrong: a URL scheme narrate cannot write is a usage
 * error that creates nothing; a bucket that refuses the key, does not exist or cannot be reached
 * stops `worker`, `run` and `submit` at once, naming the store and the cause, never the secret.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { testPrefix } from '../helpers/test-prefix.js';

const SECRET = 'not-the-right-secret-9f8e7d';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('S3 settings on the command line', () => {
  const prefix = testPrefix('e2e-s3-cli');
  let dir: string;
  let s3: S3TestServer;
  let book: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-s3-cli-'));
    s3 = await startS3Server(['present']);
    book = join(dir, 'book.txt');
    await writeFile(book, 'One short paragraph to narrate.\n');
  });
  afterAll(async () => {
    await s3?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(['gs://bucket/books/', 'https://example.com/books/', 'file:///tmp/books'])('refuses --out %s as a usage error and creates nothing', async (out) => {
    const cwd = await mkdtemp(join(dir, 'cwd-'));
    const result = await runCli(['submit', book, '--out', out], { NARRATE_PREFIX: prefix }, { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--out: expected a directory or an s3://bucket/prefix/ URL, got "${out}"`);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('refuses a malformed s3:// --out, naming it', async () => {
    const result = await runCli(['run', book, '--out', 's3://Bad_Bucket/x'], { NARRATE_PREFIX: prefix }, { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--out: expected an S3 bucket name .* got "s3:\/\/Bad_Bucket\/x"/);
  });

  it('names a bad NARRATE_STORE_URL', async () => {
    const result = await runCli(['worker'], { NARRATE_PREFIX: prefix, NARRATE_STORE_URL: 'ftp://host/x' }, { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('NARRATE_STORE_URL: expected file:///absolute/path or s3://bucket/prefix, got "ftp://host/x"');
  });

  it('stops worker, run and submit on bad credentials, without the secret', async () => {
    const env = { ...s3.env, AWS_ACCESS_KEY_ID: 'WRONG', AWS_SECRET_ACCESS_KEY: SECRET, NARRATE_PREFIX: prefix, NARRATE_STORE_URL: 's3://present/segments' };
    for (const args of [['worker'], ['run', book, '--out', join(dir, 'out')], ['submit', book, '--out', join(dir, 'out')]]) {
      const result = await runCli(args, env, { cwd: dir, timeoutMs: 30_000 });
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/start-up check failed for store s3:\/\/present\/segments\/ \(endpoint http:\/\/127\.0\.0\.1:\d+\): access denied \(403/);
      expect(result.stderr + result.stdout).not.toContain(SECRET);
    }
  });

  it('stops on a missing bucket, for the store and for --out', async () => {
    const env = { ...s3.env, NARRATE_PREFIX: prefix, NARRATE_STORE_URL: 's3://absent/segments' };
    const store = await runCli(['worker'], env, { cwd: dir, timeoutMs: 30_000 });
    expect(store.code).toBe(2);
    expect(store.stderr).toContain('start-up check failed for store s3://absent/segments/');
    expect(store.stderr).toContain('the bucket does not exist (404 NoSuchBucket)');
    const out = await runCli(['submit', book, '--out', 's3://absent-books/x/'], { ...env, NARRATE_STORE_URL: 's3://present/segments' }, { cwd: dir, timeoutMs: 30_000 });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('start-up check of --out failed for store s3://absent-books/x/');
  });

  it('does not print the AWS SDK\'s NodeVersionSupportWarning, and other warnings still show', async () => {
    // A warning of our own, emitted in the same process before narrate starts.
    const canary = join(dir, 'canary.mjs');
    await writeFile(canary, "process.emitWarning('a canary warning', 'CanaryWarning');\n");
    const env = { ...s3.env, NARRATE_PREFIX: prefix, NARRATE_STORE_URL: 's3://absent/segments', NODE_OPTIONS: `--import=${canary}` };
    // The start-up check builds an S3 client, which is when the SDK warns.
    const result = await runCli(['worker'], env, { cwd: dir, timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the bucket does not exist (404 NoSuchBucket)');
    expect(result.stderr).toContain('CanaryWarning: a canary warning');
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('stops quickly on an unreachable endpoint', async () => {
    const port = await closedPort();
    const env = { ...s3.env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, NARRATE_PREFIX: prefix, NARRATE_STORE_URL: 's3://present/segments' };
    const result = await runCli(['submit', book, '--out', join(dir, 'out')], env, { cwd: dir, timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`endpoint http://127.0.0.1:${port}): cannot reach the endpoint (ECONNREFUSED`);
  });
});
