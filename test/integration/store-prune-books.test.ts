/**
 * `narrate store prune` against real books, built and run as today's flows are (book → parts →
 * chunks, real workers, real Redis, the fake model counting calls): a prune never removes a segment
 * a book in Redis needs, whatever the book's state and however long ago its jobs were trimmed, nor
 * one stored or reused while it runs; a directory and a bucket alike.
 */
import { Queue } from 'bullmq';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storePruneCommand } from '../../src/cli/store-command.js';
import type { CliIo } from '../../src/cli/io.js';
import type { Config } from '../../src/config.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { readBookShape, removeBookRecord } from '../../src/queue/book-record.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { referencedSegments } from '../../src/queue/referenced-segments.js';
import { removeBookJobs } from '../../src/books/remove-book-jobs.js';
import { retryBook } from '../../src/books/retry-book.js';
import { openSegmentStore } from '../../src/store/open-segment-store.js';
import type { SegmentStore } from '../../src/store/segment-store.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const KEY = 'sk-test-prune-books-0123456789';
const WORDS = ['harbour', 'lantern', 'gull', 'tide', 'rope', 'keel', 'sail', 'reef', 'cliff', 'storm', 'mast', 'anchor', 'buoy', 'shore', 'wave', 'dune', 'pier', 'net', 'oar', 'deck'];

/** Sentences of their own (one chunk each), told apart by `tag` so no two books share a segment unless meant to. */
const sentences = (tag: string, n: number) => WORDS.slice(0, n).map((w, i) => `Line ${i + 1} of the ${tag} tale speaks of the ${w} at dawn.`);

/** Runs `narrate store prune` in this process, as the CLI does, and answers what it printed. */
async function prune(h: Harness, olderThan: string, dryRun = false): Promise<string> {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  const io: CliIo = { stdout: sink, stderr: sink, env: {} };
  expect(await storePruneCommand({ olderThan, dryRun }, h.config, io)).toBe(0);
  return out;
}

/** The store, with each segment stored or found held `ms` before the worker goes on (a busy worker, slow to report its chunk done). */
function slowToReport(store: SegmentStore, ms: number): SegmentStore {
  return {
    url: store.url,
    head: async (key, signal) => {
      const found = await store.head(key, signal);
      if (found) await sleep(ms);
      return found;
    },
    readSamples: (key, wav, signal) => store.readSamples(key, wav, signal),
    putText: (key, body) => store.putText(key, body),
    getText: (key, signal) => store.getText(key, signal),
    readMeta: (key, wav, signal) => store.readMeta(key, wav, signal),
    put: async (key, path, meta) => {
      await store.put(key, path, meta);
      await sleep(ms);
    },
    spool: () => store.spool(),
    probe: () => store.probe(),
    list: () => store.list(),
    remove: (key) => store.remove(key),
    close: () => store.close(),
  };
}

/** The keys of every segment in the harness's store. */
async function storedKeys(h: Harness): Promise<string[]> {
  const store = openSegmentStore(h.config);
  try {
    const keys: string[] = [];
    // Segments only: the books' texts (texts/<hash>) are counted apart.
    for await (const o of store.list()) if (!o.key.startsWith('texts/')) keys.push(o.key);
    return keys.sort();
  } finally {
    await store.close();
  }
}

describe('prune while books are in Redis', () => {
  let fake: FakeModelServer;
  let s3: S3TestServer;
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    // A little latency per call: the run lasts long enough for many prunes to go by.
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 40 });
    s3 = await startS3Server(['prune-books']);
  });
  afterAll(async () => {
    await Promise.allSettled(harnesses.map((h) => h.close()));
    await s3?.close();
    await fake?.close();
  });

  async function harness(name: string, env: Record<string, string> = {}): Promise<Harness> {
    const h = await createHarness(name, { NARRATE_API_KEY: KEY, NARRATE_BASE_URL: fake.url, NARRATE_PART_CHARS: '150', NARRATE_MAX_ATTEMPTS: '2', ...env });
    harnesses.push(h);
    return h;
  }

  async function book(h: Harness, name: string, lines: string[]): Promise<string> {
    const path = join(h.dir, `${name}.md`);
    const half = Math.ceil(lines.length / 2);
    await writeFile(path, `# One\n\n${lines.slice(0, half).join('\n\n')}\n\n# Two\n\n${lines.slice(half).join('\n\n')}\n`);
    return path;
  }

  it('a prune looped with --older-than 0s during a 20-chunk run leaves it complete with each chunk bought once, and a rerun that finds the segments complete too', async () => {
    const h = await harness('prune-run');
    const lines = sentences('looped', 20);
    // Workers slow to report: each segment sits stored (or found) a while before its job completes,
    // as on a busy worker, which is when a prune that trusts finished jobs alone takes it away.
    const store = slowToReport(openSegmentStore(h.config), 150);
    const narrateWhilePruning = async (name: string, submitConfig: Config) => {
      let running = true;
      let prunes = 0;
      const loop = (async () => {
        for (; running; prunes++) await prune(h, '0s');
      })();
      try {
        const submission = await submitBooks([await book(h, name, lines)], { outDir: join(h.dir, 'out'), format: 'mp3', maxChars: 80 }, submitConfig, h.connection);
        const bookId = submission.books[0]!.bookId;
        const [status] = await h.watch([bookId], { store });
        expect(status!.state, status!.reason).toBe('done');
        return bookId;
      } finally {
        running = false;
        await loop;
        expect(prunes).toBeGreaterThan(2);
      }
    };
    try {
      const first = await narrateWhilePruning('looped', h.config);
      for (const line of lines) expect(fake.callsFor(line), line).toBe(1);
      // Every segment is still there, and one more prune keeps them all: the book is still in Redis.
      expect(await storedKeys(h)).toHaveLength(20);
      expect(await prune(h, '0s')).toMatch(/^removed 0 segment\(s\) .* kept 20 used by books in Redis/);

      // The flow as built today keeps each chunk's key in its part's result: the jobs alone name every segment.
      const none = new Queue('no-such-queue', { connection: h.connection, prefix: bullPrefix(h.config.prefix) });
      try {
        expect([...(await referencedSegments(h.queues.finalize, none))].sort()).toEqual(await storedKeys(h));
      } finally {
        await none.close();
      }

      // The book leaves Redis; the same text again reuses the segments while prunes go on. It is
      // submitted from a host without the API key, whose settings name another narrator, so nothing
      // holds the segments until a worker records each key before it looks it up: a segment a prune
      // claimed first is gone and bought again, but none is removed under the book once found.
      await removeBookJobs(h.connection, h.config.prefix, first, await readBookShape(h.connection, h.config.prefix, first));
      await removeBookRecord(h.connection, h.config.prefix, first);
      await narrateWhilePruning('rerun', { ...h.config, apiKey: undefined });
      for (const line of lines) expect(fake.callsFor(line), line).toBeLessThanOrEqual(2);
    } finally {
      await store.close();
    }
  }, 180_000);

  for (const where of ['directory', 'bucket'] as const) {
    it(`a failed book whose jobs were trimmed keeps its segments in a ${where}; the retry buys only what failed`, async () => {
      const h = await harness(`prune-failed-${where}`, where === 'bucket' ? { ...s3.env, NARRATE_STORE_URL: `s3://prune-books/${where}` } : {});
      const lines = sentences(`failed-${where}`, 4);
      // The last chunk is refused for good (400): the book fails, its other three segments are stored.
      fake.inject({ kind: 'status', status: 400, match: lines[3]!, message: 'refused for the test' });
      const { submission, statuses } = await h.narrate([await book(h, `failed-${where}`, lines)], { format: 'm4b', maxChars: 80 });
      const bookId = submission.books[0]!.bookId;
      expect(statuses[0]!.state).toBe('failed');
      const stored = await storedKeys(h);
      expect(stored).toHaveLength(3);

      // A week on, BullMQ has trimmed the book's jobs; only its record and plan are left in Redis.
      await removeBookJobs(h.connection, h.config.prefix, bookId, await readBookShape(h.connection, h.config.prefix, bookId));
      expect(await h.queues.synthesize.getJobCounts('completed', 'failed')).toEqual({ completed: 0, failed: 0 });
      // Every segment is older than the cut-off (S3 keeps LastModified to the second).
      await sleep(1_100);
      expect(await prune(h, '0s')).toMatch(/^removed 0 segment\(s\) .* kept 3 used by books in Redis/);
      expect(await storedKeys(h)).toEqual(stored);

      const outcome = await retryBook(h.connection, { prefix: h.config.prefix, retry: { attempts: h.config.maxAttempts, backoffMs: h.config.backoffMs }, store: openSegmentStore(h.config) }, bookId);
      expect(outcome.result, outcome.message).toBe('done');
      const [after] = await h.watch([bookId]);
      expect(after!.state, after!.reason).toBe('done');
      expect(lines.map((l) => fake.callsFor(l))).toEqual([1, 1, 1, 2]);
    }, 120_000);
  }

  it('a queued book holds the segments it will reuse from the moment it is submitted; cleaned books let go of theirs', async () => {
    const h = await harness('prune-queued');
    const lines = sentences('queued', 3);
    const first = await h.narrate([await book(h, 'first', lines)], { format: 'wav', maxChars: 80 });
    expect(first.statuses[0]!.state).toBe('done');
    expect(await storedKeys(h)).toHaveLength(3);
    // The first book leaves Redis (as `narrate clean` removes it): nothing holds its segments any more...
    const firstId = first.submission.books[0]!.bookId;
    await removeBookJobs(h.connection, h.config.prefix, firstId, await readBookShape(h.connection, h.config.prefix, firstId));
    await removeBookRecord(h.connection, h.config.prefix, firstId);
    await sleep(1_100);
    expect(await prune(h, '0s', true)).toMatch(/^would remove 3 segment\(s\)/);

    // ...until the same text is submitted again: queued, no worker yet, and its segments are held.
    const second = await submitBooks([await book(h, 'second', lines)], { outDir: join(h.dir, 'out'), format: 'wav', maxChars: 80 }, h.config, h.connection);
    expect(await prune(h, '0s')).toMatch(/^removed 0 segment\(s\) .* kept 3 used by books in Redis/);
    const [after] = await h.watch([second.books[0]!.bookId]);
    expect(after!.state, after!.reason).toBe('done');
    for (const line of lines) expect(fake.callsFor(line), line).toBe(1);
  }, 120_000);
});
