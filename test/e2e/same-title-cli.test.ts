/**
 * Books with one title never overwrite each other: in one batch, against what an --out directory or
 * bucket already holds, and against books still queued in Redis that have written nothing yet.
 * The same book (the same source) run again replaces its own files. Real runs with the offline voice.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { bookKeys } from '../../src/queue/keys.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { createS3Client } from '../../src/store/s3-client.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { testPrefix } from '../helpers/test-prefix.js';

const BUCKET = 'same-titles';

describe('books with the same title', () => {
  const prefix = testPrefix('e2e-same-title');
  let dir: string;
  let env: Record<string, string>;
  let redis: Redis;
  let s3: S3TestServer;
  /** Manifests by name: a: "Same", b: "Same", c: "Same 2", d: "Same"; each with its own words. */
  const book: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-same-title-'));
    const books = { a: ['Same', 'The first book speaks of rivers.'], b: ['Same', 'The second book speaks of mountains.'], c: ['Same 2', 'The third book speaks of deserts.'], d: ['Same', 'The fourth book speaks of forests.'] };
    for (const [name, [title, words]] of Object.entries(books)) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'one.md'), `# One\n\n${words} It is a short chapter, read aloud in English by the offline voice.\n`);
      await writeFile(join(dir, name, 'book.yaml'), `title: ${title}\nlanguage: en\nformat: wav\nchapters:\n  - one.md\n`);
      book[name] = join(dir, name, 'book.yaml');
    }
    env = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'warn' };
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    s3 = await startS3Server([BUCKET]);
  });
  afterAll(async () => {
    await obliterateQueues(redis, bullPrefix(prefix));
    await redis.quit();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (inputs: string[], out: string, extra: Record<string, string> = {}) => runCli(['run', ...inputs, '--out', out], { ...env, ...extra });
  const manifestOf = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as BookReport;
  const digest = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

  it('gives three books titled "Same", "Same", "Same 2" in one batch their own files and manifests', async () => {
    const out = join(dir, 'batch');
    const result = await run([book.a!, book.b!, book.c!], out);
    expect(result.code, result.stderr).toBe(0);
    const printed = result.stdout.trim().split('\n');
    expect(printed).toEqual([join(out, 'same.wav'), join(out, 'same-3.wav'), join(out, 'same-2.wav')]);
    // Each manifest names its own book's source, and each book its own chapter folder.
    for (const [slug, source] of [['same', book.a], ['same-3', book.b], ['same-2', book.c]] as const) {
      const manifest = await manifestOf(join(out, `${slug}.json`));
      expect(manifest.sources[0]).toBe(source);
      expect(manifest.output).toBe(join(out, `${slug}.wav`));
      expect(manifest.chapters[0]!.file).toBe(join(out, `${slug}.chapters`, '01-one.wav'));
    }
    const digests = await Promise.all(['same', 'same-2', 'same-3'].map((s) => digest(join(out, `${s}.wav`))));
    expect(new Set(digests).size).toBe(3);
    expect((await readdir(out)).filter((n) => n.endsWith('.chapters')).sort()).toEqual(['same-2.chapters', 'same-3.chapters', 'same.chapters']);
  });

  it("never replaces a file of another book already in --out, and lets the same book replace its own", async () => {
    const out = join(dir, 'existing');
    const first = await run([book.a!], out);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(join(out, 'same.wav'));
    const before = await digest(join(out, 'same.wav'));

    const other = await run([book.b!], out);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout.trim()).toBe(join(out, 'same-2.wav'));
    expect(await digest(join(out, 'same.wav'))).toBe(before);
    expect((await manifestOf(join(out, 'same.json'))).sources[0]).toBe(book.a);
    expect((await manifestOf(join(out, 'same-2.json'))).sources[0]).toBe(book.b);

    // Each book's record still points at its own audio (what the Books page plays).
    const list = await runCli(['list', '--json'], env);
    const records = JSON.parse(list.stdout) as { output?: string; sources: string[] }[];
    const outputs = records.filter((r) => r.output?.startsWith(out)).map((r) => [r.sources[0], r.output]);
    expect(outputs).toEqual([
      [book.a, join(out, 'same.wav')],
      [book.b, join(out, 'same-2.wav')],
    ]);

    // The same book again: its own name, its own files replaced.
    const again = await run([book.b!], out);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(join(out, 'same-2.wav'));
    expect((await readdir(out)).filter((n) => n.endsWith('.wav')).sort()).toEqual(['same-2.wav', 'same.wav']);
  });

  it('keeps the slug of a book still queued in Redis that has written nothing yet, and frees it once the book is purged', async () => {
    const out = join(dir, 'queued');
    const slugOf = async (submitted: string) => {
      const bookId = submitted.trim().split('\t')[0]!;
      return (await redis.hget(bookKeys(prefix, bookId).record, 'slug'))!;
    };
    // No worker runs: the first book stays queued and writes nothing.
    const queued = await runCli(['submit', book.a!, '--out', out], env);
    expect(queued.code, queued.stderr).toBe(0);
    expect(await slugOf(queued.stdout)).toBe('same');
    expect(await readdir(out).catch(() => [])).toEqual([]);
    const second = await runCli(['submit', book.d!, '--out', out], env);
    expect(second.code, second.stderr).toBe(0);
    expect(await slugOf(second.stdout)).toBe('same-2');

    const purged = await runCli(['cancel', queued.stdout.trim().split('\t')[0]!, '--purge'], env);
    expect(purged.code, purged.stderr).toBe(0);
    const third = await runCli(['submit', book.b!, '--out', out], env);
    expect(third.code, third.stderr).toBe(0);
    expect(await slugOf(third.stdout)).toBe('same');
    for (const submitted of [second.stdout, third.stdout]) await runCli(['cancel', submitted.trim().split('\t')[0]!, '--purge'], env);
  });

  it('checks the bucket of an s3:// --out the same way', async () => {
    const out = `s3://${BUCKET}/books/`;
    const s3env = s3.env;
    const first = await run([book.a!], out, s3env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(`${out}same.wav`);
    // Its record is removed from Redis: only the bucket's files still say the slug is taken.
    const cleaned = await runCli(['clean', '--older-than', '0s'], env);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain('removed same-');
    const other = await run([book.b!], out, s3env);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout.trim()).toBe(`${out}same-2.wav`);

    const client = createS3Client(loadConfig({ ...env, ...s3env }).s3);
    try {
      const keys = ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'books/' }))).Contents ?? []).map((o) => o.Key!);
      expect(keys).toEqual(expect.arrayContaining(['books/same.wav', 'books/same.json', 'books/same-2.wav', 'books/same-2.json']));
      const body = await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'books/same.json' }))).Body!.transformToString();
      expect((JSON.parse(body) as BookReport).sources[0]).toBe(book.a);
    } finally {
      client.destroy();
    }
  });
});
