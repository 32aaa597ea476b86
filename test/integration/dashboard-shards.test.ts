/**
 * The dashboard of a fleet whose books are spread over shards (NARRATE_SHARDS=3): the Books page
 * lists and opens books of every shard, bull-board shows each shard's queues, and /metrics sums the
 * queue depth over the shards. Real Redis, books queued by the real submit.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/start-dashboard.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { shardOfBook, shardPrefixes } from '../../src/queue/keys.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { admitAll } from '../helpers/admit-all.js';

const auth = { authorization: `Basic ${Buffer.from('ops:shards-pw').toString('base64')}` };

describe('the dashboard over shards', () => {
  let h: Harness;
  let dashboard: Dashboard | undefined;

  beforeAll(async () => {
    h = await createHarness('dashboard-shards', { NARRATE_SHARDS: '3', NARRATE_DASHBOARD_USER: 'ops', NARRATE_DASHBOARD_PASSWORD: 'shards-pw' });
  });

  afterAll(async () => {
    await dashboard?.close();
    await h?.close();
  });

  it('lists and opens books of every shard, shows each shard in bull-board and sums the queue depth', async () => {
    const inputs: string[] = [];
    for (let i = 0; i < 9; i++) {
      const path = join(h.dir, `book-${i}.md`);
      await writeFile(path, `# Shelf book ${i}\n\n## One\n\nThe keeper of shelf ${i} opened the door at dawn.\n`);
      inputs.push(path);
    }
    const submitted = await submitBooks(inputs, { outDir: join(h.dir, 'out') }, h.config, h.connection);
    const ids = submitted.books.map((b) => b.bookId);
    expect(new Set(ids.map((id) => shardOfBook(id, 3))).size, 'nine books in fewer than two of three shards').toBeGreaterThan(1);

    // What the workers do before any call: books into BullMQ, their chunks admitted (no worker runs here).
    await admitAll(h.config);

    dashboard = await startDashboard(h.config, { host: '127.0.0.1', port: 0 });
    const page = await fetch(new URL('books', dashboard.url), { headers: auth });
    expect(page.status).toBe(200);
    const html = await page.text();
    for (let i = 0; i < 9; i++) expect(html).toContain(`Shelf book ${i}`);
    // Each book's own page, wherever its shard: its chunk count comes from its jobs there.
    for (const id of ids) {
      const one = await fetch(new URL(`books/${id}`, dashboard.url), { headers: auth });
      expect(one.status, id).toBe(200);
      // Its one chapter is known from its finalize job, found in the book's shard.
      expect(await one.text(), id).toContain('0/1 chapters');
    }

    const queues = (await (await fetch(new URL('api/queues', dashboard.url), { headers: auth })).json()) as { queues: { name: string }[] };
    const names = queues.queues.map((q) => q.name);
    for (const s of [0, 1, 2]) expect(names).toContain(`shard${s}-synthesize`);

    // One chunk job per book, in its shard's queue: /metrics adds the shards up.
    const waiting = await Promise.all(
      shardPrefixes(h.config.prefix, 3).map(async (prefix) => {
        const q = new Queue(SYNTHESIZE_QUEUE, { connection: h.connection, prefix });
        const n = (await q.getJobCounts('wait')).wait ?? 0;
        await q.close();
        return n;
      }),
    );
    expect(waiting.reduce((a, b) => a + b, 0)).toBe(9);
    const metrics = await (await fetch(new URL('metrics', dashboard.url), { headers: auth })).text();
    expect(metrics).toContain('narrate_queue_jobs{queue="synthesize",state="wait"} 9');
  }, 60_000);
});
