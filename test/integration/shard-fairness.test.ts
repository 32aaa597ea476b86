/**
 * A worker takes chunks from every shard (NARRATE_SHARDS) with the one set of call slots: a small
 * book queued in one shard after a long book filled another is narrated while the long one still
 * has most of its chunks to go, not after it. Real Redis, in-process workers, the fake model.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitBooks } from '../../src/producer/submit-books.js';
import { shardOfBook } from '../../src/queue/keys.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { writeParagraphBook } from '../helpers/paragraph-book.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

const KEY = 'fairness-key';
const LONG = 30;
const SHORT = 3;

describe('workers share their call slots among the shards', () => {
  let fake: FakeModelServer;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 150 });
    h = await createHarness('shard-fairness', { NARRATE_SHARDS: '2', NARRATE_API_KEY: KEY, NARRATE_BASE_URL: fake.url, NARRATE_CONCURRENCY: '2' });
  });

  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it("narrates a short book of one shard while another shard's long book still has most of its chunks waiting", async () => {
    const long = await writeParagraphBook(h.dir, 'long-book', LONG);
    const out = join(h.dir, 'out');
    const submitted = await submitBooks([long.path], { outDir: out, maxChars: long.maxChars }, h.config, h.connection);
    const longId = submitted.books[0]!.bookId;
    const longShard = shardOfBook(longId, 2);
    // The short book must land in the other shard: its id is random, so submit copies until one does.
    let shortId: string | undefined;
    let shortTexts: string[] = [];
    for (let attempt = 0; shortId === undefined; attempt++) {
      expect(attempt, 'no short book landed in the other shard').toBeLessThan(40);
      const texts = Array.from({ length: SHORT }, (_, i) => `Short story ${attempt} part ${i + 1} tells of a lantern by the quiet northern harbor at dusk.`);
      const path = join(h.dir, `short-${attempt}.txt`);
      await writeFile(path, `${texts.join('\n\n')}\n`);
      const s = await submitBooks([path], { outDir: out, maxChars: long.maxChars }, h.config, h.connection);
      if (shardOfBook(s.books[0]!.bookId, 2) !== longShard) {
        shortId = s.books[0]!.bookId;
        shortTexts = texts;
      }
    }
    const statuses = await h.watch([longId, shortId]);
    expect(statuses.map((s) => s.state)).toEqual(['done', 'done']);
    // Order of the model calls: the short book's last reading came early, while the long book's
    // thirty waited (a worker draining one shard before the next would put it after them all).
    const order = fake.calls.map((c) => c.text);
    const lastShort = Math.max(...shortTexts.map((t) => order.findIndex((text) => text.includes(t))));
    const longBefore = order.slice(0, lastShort).filter((text) => long.paragraphs.some((p) => text.includes(p))).length;
    expect(lastShort, order.join('\n')).toBeGreaterThanOrEqual(SHORT - 1);
    expect(longBefore, `the short book's last reading was call ${lastShort + 1}`).toBeLessThan(LONG / 2);
  }, 120_000);
});
