/**
 * Section 12: a library submitted at once. `narrate submit` of many small two-chapter books and of
 * a few 10-hour books (around-the-world.txt, each copy its own book), each into a private
 * redis-server so nothing else counts: Redis bytes (INFO memory's used_memory before and after),
 * the submit's wall time and its peak memory (maxRSS from /usr/bin/time). A submit queues each book
 * as its record and its place in the admission list; workers move books into BullMQ as the enqueue
 * queue empties, and add their chunks only while the synthesize queue has room (NARRATE_ADMIT_CHUNKS). Side by side, in the same run: the same books with every chunk
 * admitted (the window disabled), which is how they sat in Redis before the admission stage. Then
 * the first page of `narrate list` and of the Books page over as many book records (library-listings.ts),
 * and the spread of small books' keys and memory over a 3-master Redis Cluster (library-cluster-spread.ts).
 *
 *   npm run bench -- --only library [--library-books 10000] [--library-long-books 10]
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { CORPUS } from '../test/helpers/corpus.js';
import { privateRedis, type PrivateRedis } from '../test/helpers/redis-server.js';
import { ADMISSION_LIMITER, enqueueProcessor } from '../src/producer/enqueue-processor.js';
import { promoteBooks } from '../src/producer/promote-books.js';
import { BookFlowProducer } from '../src/queue/book-flow-producer.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../src/queue/names.js';
import { admitKeyIn, bullPrefix } from '../src/queue/keys.js';
import { createLogger } from '../src/logger.js';
import { openSegmentStore } from '../src/store/open-segment-store.js';
import { TextCache } from '../src/store/text-objects.js';
import { removeDir, tempDir } from './cleanup.js';
import { REDIS_URL } from './bench-queues.js';
import { writeLibrary } from './library-fixture.js';
import { measureLibrarySubmit, type LibrarySubmit } from './submit-library.js';
import type { BenchOptions } from './options.js';
import { ROOT, run } from './processes.js';
import type { Report } from './report.js';
import { fixed, mb } from './stats.js';
import { libraryListings } from './library-listings.js';
import { clusterSpread } from './library-cluster-spread.js';

const S = '12 library';
const PREFIX = 'bench-library';
/** The checkout whose `bin/narrate.js` submits (built): this one, or BENCH_LIBRARY_ROOT (e.g. a copy of an older build, for a baseline). */
const CLI_ROOT = process.env.BENCH_LIBRARY_ROOT ?? ROOT;

/**
 * `narrate submit` of 10,000 two-chapter books cut from the corpus (library-fixture.ts) before the
 * submit was made faster (commit a8e0aec, each book's Redis round trips in turn): measured with
 * `npx tsx bench/submit-library.ts --books 10000 --root <a8e0aec built>` on the shared Redis of this
 * 2-core machine, load average 11.9 → 12.5 (docs/benchmarks.md). BENCH_SUBMIT_BEFORE_ROOT=<built
 * checkout> measures it again in the same run instead.
 */
const SUBMIT_BEFORE = { commit: 'a8e0aec', books: 10_000, seconds: 269.0, cpuSeconds: 59.6, peakRss: 270 * 1024 * 1024 };

export interface SubmitMeasure {
  books: number;
  chunks: number;
  /** Redis bytes the submit added (books queued, none admitted: no worker runs). */
  bytes: number;
  /** Redis bytes once every chunk of every book is admitted (the window disabled: the layout before the admission stage). */
  bytesAdmitted: number;
  seconds: number;
  peakRss: number;
}

export async function librarySection(o: BenchOptions, report: Report): Promise<void> {
  process.stdout.write(`\n[12] library: ${o.libraryBooks} two-chapter books and ${o.libraryLongBooks} 10-hour books submitted to a private redis-server\n`);
  const dir = await tempDir('library');
  try {
    const small = join(dir, 'small');
    await mkdir(small);
    for (let i = 0; i < o.libraryBooks; i++) {
      await writeFile(join(small, `book-${String(i).padStart(5, '0')}.md`), smallBook(i));
    }
    const long = join(dir, 'long');
    await mkdir(long);
    for (let i = 0; i < o.libraryLongBooks; i++) await copyFile(join(CORPUS, 'around-the-world.txt'), join(long, `around-the-world-${i}.txt`));
    const warmUp = join(dir, 'warm-up');
    await mkdir(warmUp);
    await writeFile(join(warmUp, 'warm-up.md'), smallBook(-1));

    const a = await measureSubmit(dir, 'small', small, warmUp);
    const b = await measureSubmit(dir, 'long', long, warmUp);
    // bytes = books × perBook + chunks × perChunk, solved from the two runs: queued, and all admitted.
    const fit = (x: number, y: number) => {
      const det = a.books * b.chunks - b.books * a.chunks;
      return { perBook: (x * b.chunks - y * a.chunks) / det, perChunk: (a.books * y - b.books * x) / det };
    };
    const queued = fit(a.bytes, b.bytes);
    const admitted = fit(a.bytesAdmitted, b.bytesAdmitted);
    const bytes = (n: number) => `${Math.round(n)} B`;
    const side = (now: number, all: number) => `${bytes(now)} (all admitted: ${bytes(all)}, ×${fixed(now / all, 2)})`;
    report.add({ section: S, metric: 'small books: books / chunks queued', value: `${a.books} / ${a.chunks}` });
    report.add({ section: S, metric: 'small books: Redis bytes per book, queued', value: side(a.bytes / a.books, a.bytesAdmitted / a.books) });
    report.add({ section: S, metric: 'small books: submit wall time', value: secs1(a.seconds), target: '≈ 60 s for 10,000', ok: a.seconds <= 90 * (o.libraryBooks / 10_000) });
    report.add({ section: S, metric: 'small books: submit peak RSS (maxRSS)', value: mb(a.peakRss) });
    report.add({ section: S, metric: 'long books: books / chunks queued', value: `${b.books} / ${b.chunks}` });
    report.add({ section: S, metric: 'long books: Redis bytes per chunk, queued', value: side(b.bytes / b.chunks, b.bytesAdmitted / b.chunks) });
    report.add({ section: S, metric: 'long books: Redis bytes per book, queued', value: side(b.bytes / b.books, b.bytesAdmitted / b.books) });
    report.add({ section: S, metric: 'long books: submit wall time / peak RSS', value: `${secs1(b.seconds)} / ${mb(b.peakRss)}` });
    report.add({ section: S, metric: 'Redis bytes per book, queued (fitted: bytes = books × a + chunks × b)', value: side(queued.perBook, admitted.perBook), target: '≤ 3 KB', ok: queued.perBook <= 3 * 1024 });
    report.add({ section: S, metric: 'Redis bytes per chunk, queued (fitted)', value: side(queued.perChunk, admitted.perChunk), target: '≤ 400 B', ok: queued.perChunk <= 400 });
    const c = await corpusLibrarySubmit(dir, o, report);
    report.summary.push(`library: queued ${Math.round(queued.perChunk)} B/chunk + ${Math.round(queued.perBook)} B/book; ${o.libraryBooks} books submitted in ${secs1(a.seconds)} (corpus books: ${secs1(c.seconds)}, ${mb(c.peakRss)})`);
    // The first page of `narrate list` and of the Books page over as many book records.
    await libraryListings({ ...o, listingBooks: o.libraryBooks }, report, S);
    await clusterSpread(o, report, S, dir, smallBook);
  } finally {
    await removeDir(dir);
  }
}

/**
 * The submit of a library of real prose (library-fixture.ts: 4 corpus paragraphs a book) on the shared
 * Redis under a prefix of its own: wall time, CPU time (less swayed by the other load of the machine)
 * and peak RSS, beside the same measured before the submit was made faster.
 */
async function corpusLibrarySubmit(dir: string, o: BenchOptions, report: Report): Promise<LibrarySubmit> {
  const books = join(dir, 'corpus-books');
  await writeLibrary(books, o.libraryBooks);
  const now = await measureLibrarySubmit(books, dir, { redisUrl: REDIS_URL, root: CLI_ROOT });
  const beforeRoot = process.env.BENCH_SUBMIT_BEFORE_ROOT;
  const before =
    beforeRoot !== undefined
      ? { ...(await measureLibrarySubmit(books, dir, { redisUrl: REDIS_URL, root: beforeRoot })), commit: 'BENCH_SUBMIT_BEFORE_ROOT, this run' }
      : o.libraryBooks === SUBMIT_BEFORE.books
        ? { ...SUBMIT_BEFORE, commit: `${SUBMIT_BEFORE.commit}, recorded` }
        : undefined;
  const side = (n: number, b: number | undefined, unit: (n: number) => string) => (b === undefined ? unit(n) : `${unit(n)} (before, ${before!.commit}: ${unit(b)}, ×${fixed(n / b, 2)})`);
  report.add({ section: S, metric: `corpus books: books / chunks queued`, value: `${now.books} / ${now.chunks}` });
  report.add({ section: S, metric: 'corpus books: submit wall time', value: side(now.seconds, before?.seconds, secs1), target: '≈ 60 s for 10,000', ok: now.seconds <= 90 * (o.libraryBooks / 10_000) });
  report.add({ section: S, metric: 'corpus books: submit CPU time (user + system)', value: side(now.cpuSeconds, before?.cpuSeconds, secs1) });
  report.add({ section: S, metric: 'corpus books: submit peak RSS (maxRSS)', value: side(now.peakRss, before?.peakRss, mb) });
  report.add({ section: S, metric: 'corpus books: load average (1 min) before → after', value: `${fixed(now.load[0], 2)} → ${fixed(now.load[1], 2)}` });
  return now;
}

function secs1(s: number): string {
  return `${fixed(s, 1)} s`;
}

/** A small book of two chapters: one chunk each. Every book's words differ, so no two share a text. */
function smallBook(i: number): string {
  const para = (n: number) => `The keeper of lighthouse number ${i} climbed the stair for the ${n === 1 ? 'first' : 'second'} time that night, lit the lamp at dusk and watched the ships come home.`;
  return `# Book ${i}\n\n## One\n\n${para(1)}\n\n## Two\n\n${para(2)}\n`;
}

/**
 * One `narrate submit` of `books` into a fresh private redis-server, after a submit of one book
 * (`warmUp`) has loaded BullMQ's scripts and made the queues' own keys: what is counted is what the
 * books add. Then every book is admitted with no window, and counted again.
 */
async function measureSubmit(dir: string, name: string, books: string, warmUp: string): Promise<SubmitMeasure> {
  const redisDir = join(dir, `redis-${name}`);
  await mkdir(redisDir);
  const server = await privateRedis(redisDir);
  await server.start();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  try {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', REDIS_URL: server.url, NARRATE_PREFIX: PREFIX, NARRATE_LOG_LEVEL: 'silent', NARRATE_STORE_DIR: join(dir, `store-${name}`) };
    const submit = (input: string) => run('/usr/bin/time', ['-f', 'maxrss-kb %M', process.execPath, join(CLI_ROOT, 'bin/narrate.js'), 'submit', input, '--out', join(dir, `out-${name}`), '--format', 'mp3'], 1_800_000, { env });
    const warm = await submit(warmUp);
    if (warm.code !== 0) throw new Error(`narrate submit (warm-up) exited ${warm.code}: ${warm.stderr.slice(-800)}`);
    const before = await usedMemory(redis);
    const started = Date.now();
    const r = await submit(books);
    const seconds = (Date.now() - started) / 1000;
    if (r.code !== 0) throw new Error(`narrate submit ${name} exited ${r.code}: ${r.stderr.slice(-800)}`);
    const rss = /maxrss-kb (\d+)/.exec(r.stderr);
    const queued = [...r.stdout.matchAll(/\t(\d+) chunks$/gm)].map((m) => Number(m[1]));
    const bytes = (await usedMemory(redis)) - before;
    await admitAll(server, join(dir, `store-${name}`));
    const bytesAdmitted = (await usedMemory(redis)) - before;
    return { books: queued.length, chunks: queued.reduce((s, n) => s + n, 0), bytes, bytesAdmitted, seconds, peakRss: rss ? Number(rss[1]) * 1024 : NaN };
  } finally {
    redis.disconnect();
    await server.kill();
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}

/** Runs every `enqueue` job (nothing else) with no window, so every chunk of every book is a job in Redis. */
async function admitAll(server: PrivateRedis, storeDir: string): Promise<void> {
  const connection = new Redis(server.url, { maxRetriesPerRequest: null });
  const prefix = bullPrefix(PREFIX);
  const flows = new BookFlowProducer({ connection, prefix });
  const finalize = new Queue(FINALIZE_QUEUE, { connection, prefix });
  const encode = new Queue(ENCODE_QUEUE, { connection, prefix });
  const enqueue = new Queue(ENQUEUE_QUEUE, { connection, prefix });
  const store = openSegmentStore({ store: { kind: 'file', dir: storeDir }, s3: undefined } as never);
  const logger = createLogger('silent');
  const synthesize = new Queue(SYNTHESIZE_QUEUE, { connection, prefix });
  // No window: every chunk of every book admitted, as before the admission stage.
  const texts = new TextCache(store);
  // Every book into BullMQ (its finalize and enqueue jobs), then every chunk admitted.
  while ((await connection.llen(admitKeyIn(prefix))) > 0) await promoteBooks({ redis: connection, prefix: PREFIX, shardPrefix: prefix, producer: flows, finalize, enqueue, texts, logger, ahead: Number.MAX_SAFE_INTEGER });
  const processor = enqueueProcessor({ flows, finalize, encode, synthesize, enqueue, logger, texts, retry: { attempts: 5, backoffMs: 1_000 }, window: Number.MAX_SAFE_INTEGER });
  const worker = new Worker(ENQUEUE_QUEUE, processor, { connection, prefix, concurrency: 4, limiter: ADMISSION_LIMITER });
  try {
    for (;;) {
      const counts = await enqueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
      if (counts.failed) throw new Error(`an enqueue job failed: ${(await enqueue.getFailed())[0]?.failedReason}`);
      if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await worker.close();
    await Promise.all([flows.close(), finalize.close(), encode.close(), enqueue.close(), synthesize.close(), store.close()]);
    connection.disconnect();
  }
}
