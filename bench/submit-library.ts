/**
 * Times `narrate submit DIR` of a generated library (bench/library-fixture.ts) against the shared
 * Redis, as a user runs it: the built CLI in its own process, its own NARRATE_PREFIX (removed
 * afterwards, key by key: never FLUSHALL), a temp store and --out, no API key (the offline voice).
 * Prints wall time, peak RSS (maxRSS from /usr/bin/time) and the load average around the run.
 *
 *   npx tsx bench/submit-library.ts --books 10000 [--env NARRATE_SUBMIT_CONCURRENCY=1] [--cpu-prof DIR] [--root CHECKOUT]
 *
 * Also used by the bench's library section (measureLibrarySubmit).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { removeDir, tempDir } from './cleanup.js';
import { writeLibrary } from './library-fixture.js';
import { ROOT, run } from './processes.js';

export interface LibrarySubmit {
  books: number;
  chunks: number;
  seconds: number;
  /** maxRSS of the submit process, bytes. */
  peakRss: number;
  /** CPU seconds (user + system) of the submit process: less swayed by other load than wall time. */
  cpuSeconds: number;
  /** 1-minute load average before and after the run. */
  load: [number, number];
}

/** One `narrate submit` of the library in `books` (a directory) under a fresh prefix of `redisUrl`, which is then removed. */
export async function measureLibrarySubmit(
  books: string,
  scratch: string,
  o: { redisUrl: string; root?: string; env?: Record<string, string>; cpuProf?: string; timeoutMs?: number },
): Promise<LibrarySubmit> {
  const prefix = `bench-submit-${process.pid}-${randomBytes(3).toString('hex')}`;
  const store = join(scratch, `store-${prefix}`);
  const out = join(scratch, `out-${prefix}`);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    REDIS_URL: o.redisUrl,
    NARRATE_PREFIX: prefix,
    NARRATE_LOG_LEVEL: 'silent',
    NARRATE_STORE_DIR: store,
    ...o.env,
  };
  const node = [process.execPath, ...(o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProf] : []), join(o.root ?? ROOT, 'bin/narrate.js')];
  const load0 = loadavg()[0]!;
  const started = process.hrtime.bigint();
  try {
    const r = await run('/usr/bin/time', ['-f', 'maxrss-kb %M cpu %U+%S', ...node, 'submit', books, '--out', out, '--format', 'mp3'], o.timeoutMs ?? 1_800_000, { env });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.code !== 0) throw new Error(`narrate submit exited ${r.code}: ${r.stderr.slice(-800)}`);
    const rss = /maxrss-kb (\d+)/.exec(r.stderr);
    const cpu = /cpu ([\d.]+)\+([\d.]+)/.exec(r.stderr);
    const queued = [...r.stdout.matchAll(/\t(\d+) chunks$/gm)].map((m) => Number(m[1]));
    return { books: queued.length, chunks: queued.reduce((s, n) => s + n, 0), seconds, peakRss: rss ? Number(rss[1]) * 1024 : NaN, cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN, load: [load0, loadavg()[0]!] };
  } finally {
    await removePrefix(o.redisUrl, prefix);
    await removeDir(store);
    await removeDir(out);
  }
}

/** Deletes every key of the `{prefix}` hash tag (the braces are not glob characters: only this run's keys match). */
async function removePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { books: { type: 'string', default: '10000' }, env: { type: 'string', multiple: true, default: [] }, 'cpu-prof': { type: 'string' }, root: { type: 'string' }, redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' } },
  });
  const count = Number(values.books);
  const env = Object.fromEntries(values.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const scratch = await tempDir('submit-library');
  try {
    const books = join(scratch, 'books');
    await mkdir(books);
    const bytes = await writeLibrary(books, count);
    process.stdout.write(`${count} books, ${(bytes / 1e6).toFixed(1)} MB of text\n`);
    const r = await measureLibrarySubmit(books, scratch, { redisUrl: values.redis, env, ...(values['cpu-prof'] ? { cpuProf: values['cpu-prof'] } : {}), ...(values.root ? { root: values.root } : {}) });
    process.stdout.write(`queued ${r.books} books (${r.chunks} chunks) in ${r.seconds.toFixed(1)} s (${((r.seconds * 1000) / Math.max(1, r.books)).toFixed(2)} ms a book), peak RSS ${(r.peakRss / 1024 / 1024).toFixed(0)} MB, ${r.cpuSeconds.toFixed(1)} s of CPU, load average ${r.load[0].toFixed(2)} → ${r.load[1].toFixed(2)}\n`);
  } finally {
    await removeDir(scratch);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
