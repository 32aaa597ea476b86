/**
 * The admission stage: a submit puts a book's record and two small jobs in Redis, and workers add
 * its chunks only while the synthesize queue has room (NARRATE_ADMIT_CHUNKS). A book queued but not
 * admitted yet is listed (queued, 0 of its chunks), can be cancelled (and then never costs a call),
 * and completes once admitted; the chunk jobs waiting never exceed the window by more than a part.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelBook } from '../../src/books/cancel-book.js';
import { listBooks } from '../../src/books/list-books.js';
import { readBookStatus } from '../../src/books/book-status.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { waitingChunks } from '../../src/producer/enqueue-processor.js';
import { bookAdmitKey } from '../../src/queue/keys.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

const KEY = 'sk-test-admission-0123456789';
const WINDOW = 4;
/** Six sentences a book, each its own chunk (max 80 characters), two chunks a part. */
const SENTENCES = [
  'The keeper climbed the stairs at dusk to light the lamp.',
  'A ship passed far out, its lanterns low on the grey water.',
  'By morning the storm had gone and the gulls came back.',
  'The cook set out bread and tea for the men from the boats.',
  'Nobody spoke of the wreck they had seen in the night.',
  'At noon the mail boat brought letters and a new clock.',
];

describe('admission: chunks enter Redis only while the synthesize queue has room', () => {
  let fake: FakeModelServer;
  let h: Harness;

  beforeAll(async () => {
    // Slow enough that chunks pile up behind the window if admission ignored it.
    fake = await startFakeModel({ apiKey: KEY, charsPerSecond: 15, latencyMs: 150 });
    h = await createHarness('admission', {
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_ADMIT_CHUNKS: String(WINDOW),
      NARRATE_PART_CHARS: '120',
      NARRATE_CONCURRENCY: '2',
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  async function book(tag: string): Promise<string> {
    const path = join(h.dir, `${tag}.txt`);
    await writeFile(path, SENTENCES.map((s) => `${s} (${tag})`).join('\n\n'));
    return path;
  }
  const callsOf = (tag: string) => SENTENCES.map((s) => fake.callsFor(`${s} (${tag})`));

  it('lists and cancels a book not admitted yet, holds the window, and completes the others', async () => {
    const tags = ['first', 'second', 'third'];
    const submission = await submitBooks(await Promise.all(tags.map(book)), { outDir: join(h.dir, 'out'), format: 'wav', maxChars: 80 }, h.config, h.connection);
    expect(submission.failures).toEqual([]);
    const ids = submission.books.map((b) => b.bookId);
    expect(submission.books.map((b) => b.chunks)).toEqual([6, 6, 6]);

    // Queued, none admitted: listed as queued with 0 of 6 chunks, its status says so, and no job in BullMQ.
    const listed = await listBooks(h.connection, h.config.prefix);
    for (const id of ids) expect(listed.find((b) => b.bookId === id)).toMatchObject({ state: 'queued', chunksDone: 0, chunksTotal: 6 });
    for (const id of ids) expect(await readBookStatus(h.queues.finalize, h.queues.synthesize, id)).toMatchObject({ state: 'queued', chunksDone: 0, chunksTotal: 6 });
    expect(await h.queues.synthesize.count()).toBe(0);
    expect(await h.queues.finalize.count()).toBe(0);

    const cancelled = await cancelBook(h.connection, { prefix: h.config.prefix, webhookUrl: undefined }, ids[2]!);
    expect(cancelled.result, cancelled.message).toBe('done');

    // While the workers run, the chunk jobs waiting never pass the window by more than one part (2 chunks).
    let most = 0;
    let watching = true;
    const sampler = (async () => {
      while (watching) {
        most = Math.max(most, await waitingChunks(h.queues.synthesize));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    let statuses;
    try {
      statuses = await h.watch(ids.slice(0, 2));
    } finally {
      watching = false;
      await sampler;
    }
    expect(statuses.map((s) => s.state)).toEqual(['done', 'done']);
    expect(most, 'chunk jobs waiting at most').toBeGreaterThan(0);
    expect(most, 'chunk jobs waiting at most').toBeLessThanOrEqual(WINDOW + 2);
    expect(callsOf('first')).toEqual([1, 1, 1, 1, 1, 1]);
    expect(callsOf('second')).toEqual([1, 1, 1, 1, 1, 1]);
    // The cancelled book was never admitted: not one call, no job, and out of the admission list.
    expect(callsOf('third')).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await h.queues.finalize.getJobState(ids[2]!)).toBe('unknown');
    expect(await h.connection.lrange(bookAdmitKey(h.config.prefix, ids[2]!), 0, -1)).toEqual([]);
    expect((await listBooks(h.connection, h.config.prefix)).find((b) => b.bookId === ids[2])).toMatchObject({ state: 'cancelled', chunksDone: 0 });
  }, 120_000);
});
