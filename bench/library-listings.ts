/**
 * Listings of a library: `narrate list` and the Books page with `listingBooks` book records in a
 * private redis-server (written as a submit writes them, without jobs: a listing reads the
 * records and the index). Each figure is the median of several runs, beside what reading every
 * book (today's layout before paging: listBooks, and the Books page's every-book table) costs on
 * the same records in the same run.
 *
 *   npm run bench -- --only listings [--listing-books 10000]
 */
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { readBookViews, type BookSources } from '../src/dashboard/book-view.js';
import { listParts } from '../src/dashboard/render-books.js';
import { startDashboard } from '../src/dashboard/start-dashboard.js';
import { setBookState } from '../src/queue/book-record.js';
import { listBooks } from '../src/books/list-books.js';
import { listBookPage } from '../src/books/list-book-page.js';
import { ENCODE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../src/queue/names.js';
import { bullPrefix } from '../src/queue/keys.js';
import { privateRedis } from '../test/helpers/redis-server.js';
import { seedBookRecords } from '../test/helpers/seed-book-records.js';
import { removeDir, tempDir } from './cleanup.js';
import type { BenchOptions } from './options.js';
import { ROOT, run } from './processes.js';
import type { Report } from './report.js';
import { fixed, percentile } from './stats.js';

const PREFIX = 'bench-listings';
const RUNS = 7;

/** Medians of `runs` timed calls of `task`, in ms. */
async function median(runs: number, task: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await task();
    times.push(performance.now() - t0);
  }
  return percentile(times, 50);
}

const ms = (n: number): string => `${fixed(n, n < 10 ? 1 : 0)} ms`;

/** Adds the listing figures to `report` under `section`. */
export async function libraryListings(o: BenchOptions, report: Report, section = '10 listings'): Promise<void> {
  const books = o.listingBooks;
  process.stdout.write(`\n[listings] ${books} book records in a private redis-server: list, status and the Books page\n`);
  const dir = await tempDir('listings');
  await mkdir(join(dir, 'redis'));
  const server = await privateRedis(join(dir, 'redis'));
  await server.start();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', REDIS_URL: server.url, NARRATE_PREFIX: PREFIX, NARRATE_LOG_LEVEL: 'silent' };
  const config = loadConfig(env);
  const prefix = bullPrefix(PREFIX);
  const queues = { finalize: new Queue(FINALIZE_QUEUE, { connection: redis, prefix }), synthesize: new Queue(SYNTHESIZE_QUEUE, { connection: redis, prefix }), encode: new Queue(ENCODE_QUEUE, { connection: redis, prefix }) };
  const dashboard = await startDashboard(config, { host: '127.0.0.1', port: 0, updateIntervalMs: 60_000 });
  try {
    const { ids } = await seedBookRecords(redis, PREFIX, books, { perMs: 4 });
    // The rarest state: three books, spread over the index (a --state page walks it all).
    for (const id of [ids[7], ids[Math.floor(books / 2)], ids[books - 2]]) await setBookState(redis, PREFIX, id!, 'failed');

    const cli = async (args: string[]): Promise<void> => {
      const r = await run(process.execPath, [join(ROOT, 'bin/narrate.js'), ...args], 120_000, { env });
      if (r.code !== 0) throw new Error(`narrate ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-400)}`);
    };
    const cliFirst = await median(RUNS, () => cli(['list', '--limit', '50']));
    const cliStart = await median(RUNS, () => cli(['--help']));
    const statusFirst = await median(RUNS, () => cli(['status', '--limit', '50']));
    const pageFirst = await median(RUNS * 3, () => listBookPage(redis, PREFIX, { limit: 50 }));
    const pageLast = await median(RUNS * 3, () => listBookPage(redis, PREFIX, { limit: 50, after: ids[books - 51]! }));
    const pageFailed = await median(RUNS, () => listBookPage(redis, PREFIX, { limit: 50, state: 'failed' }));
    const everyBook = await median(3, () => listBooks(redis, PREFIX));
    // The process's own start (loading the CLI's modules) is the same for every command, and on a
    // shared machine it is most of the time: the target is judged on what the listing adds to it.
    const load = loadavg()[0] ?? NaN;
    report.add({ section, metric: `narrate list --limit 50 (first page, whole process), ${books} books`, value: `${ms(cliFirst)}; a bare \`narrate --help\`: ${ms(cliStart)} (1-min load average ${fixed(load, 1)} on ${cpus().length} cores)` });
    report.add({ section, metric: 'narrate list first page: time beyond the process start', value: ms(cliFirst - cliStart), target: '< 1 s', ok: cliFirst - cliStart < 1_000 });
    report.add({ section, metric: `narrate status --limit 50 (first page, whole process): time beyond the process start`, value: `${ms(statusFirst - cliStart)} (whole: ${ms(statusFirst)})`, target: '< 1 s', ok: statusFirst - cliStart < 1_000 });
    report.add({ section, metric: 'a page of 50 read in process: first / last / --state failed (3 books, the whole index walked)', value: `${ms(pageFirst)} / ${ms(pageLast)} / ${ms(pageFailed)}` });
    report.add({ section, metric: 'before paging: every book read (listBooks)', value: `${ms(everyBook)} (×${fixed(everyBook / pageFirst, 0)} a first page)` });

    const auth = { headers: {} as Record<string, string> };
    const get = async (path: string): Promise<number> => {
      const response = await fetch(new URL(path, dashboard.url), auth);
      const body = await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
      return body.byteLength;
    };
    const booksBytes = await get('books');
    const booksFirst = await median(RUNS, () => get('books'));
    const booksDeep = await median(RUNS, () => get(`books?page=${Math.ceil(books / 50)}`));
    await get('books?q=book%209999');
    const booksSearch = await median(RUNS, () => get('books?q=book%209999'));
    // The page before paging: every book's view read and rendered into one table.
    const sources: BookSources = { ...queues, redis, prefix: PREFIX } as BookSources;
    let allBytes = 0;
    const allPage = await median(3, async () => {
      const read = await readBookViews(sources, ids);
      allBytes = Object.values(listParts(read.views, { paths: { books: '/books', bullBoard: '/' }, csrfToken: 'x' }).parts).join('').length;
    });
    report.add({ section, metric: `Books page GET /books (50 books, served), ${books} books`, value: `${ms(booksFirst)}, ${fixed(booksBytes / 1024, 0)} KB`, target: '< 1 s', ok: booksFirst < 1_000 });
    report.add({ section, metric: 'Books page: last page / a title search', value: `${ms(booksDeep)} / ${ms(booksSearch)}` });
    report.add({ section, metric: 'before paging: every book read and rendered into one table (in process)', value: `${ms(allPage)}, ${fixed(allBytes / 1024, 0)} KB` });
    report.summary.push(`listings: list first page ${ms(cliFirst)}, Books page ${ms(booksFirst)} with ${books} books`);
  } finally {
    await dashboard.close();
    await Promise.allSettled(Object.values(queues).map((q) => q.close()));
    await redis.quit().catch(() => redis.disconnect());
    await server.kill();
    await removeDir(dir);
  }
}
