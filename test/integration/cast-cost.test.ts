import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/status-command.js';
import type { CliIo } from '../../src/cli/io.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { BookLedger } from '../../src/money/book-ledger.js';
import { readFleetSpend } from '../../src/money/daily-spend.js';
import { loadPrices } from '../../src/money/prices.js';
import { DailyBudgetSpentError } from '../../src/money/spend-errors.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { readBookRecord } from '../../src/queue/book-record.js';
import { FAKE_MODELS, startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

// One chapter with dialogue: one attribution call to the text model.
const BOOK = `# The Visit

'Good morning,' said the Queen, and she sat down by the fire.

'Good morning to you,' said Alice. The kettle began to sing.
`;

/** gpt-4o-mini's built-in prices (docs/costs.md): $0.15 per million prompt tokens, $0.60 per million output tokens. */
const castUsd = (usage: { promptTokens: number; completionTokens: number }): number => (usage.promptTokens * 0.15 + usage.completionTokens * 0.6) / 1_000_000;

async function status(h: Harness, bookId: string): Promise<string> {
  let printed = '';
  const sink = new Writable({ write: (c: Buffer, _e, done) => ((printed += c.toString()), done()) }) as unknown as NodeJS.WriteStream;
  const io: CliIo = { stdout: sink, stderr: sink, env: {} };
  expect(await statusCommand(bookId, {}, h.config, io)).toBe(0);
  return printed;
}

describe("the cast's attribution calls are paid for and counted", () => {
  let fake: FakeModelServer;
  let h: Harness;
  const attributions = () => fake.calls.filter((c) => c.textMode === true).length;

  beforeAll(async () => {
    fake = await startFakeModel({ models: [...FAKE_MODELS, 'gpt-4o-mini'] });
    h = await createHarness('cast-cost', { NARRATE_API_KEY: 'test-key', NARRATE_BASE_URL: fake.url });
    await writeFile(join(h.dir, 'visit.md'), BOOK);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it("charges the book, the day and the fleet, and shows it in the manifest and narrate status", async () => {
    const before = await readFleetSpend(h.connection, h.config.prefix);
    const { submission, statuses } = await h.narrate([join(h.dir, 'visit.md')], { cast: 'auto' });
    expect(statuses[0]?.state, statuses[0]?.reason).toBe('done');
    expect(attributions()).toBe(1);
    const bookId = submission.books[0]!.bookId;

    const report = JSON.parse(await readFile(join(h.dir, 'out', 'visit.json'), 'utf8')) as BookReport;
    expect(report.castCost).toMatchObject({ model: 'gpt-4o-mini', calls: 1, cachedChapters: 0 });
    const { usage, costUsd } = report.castCost!;
    expect(usage.promptTokens).toBeGreaterThan(0);
    expect(costUsd).toBeGreaterThan(0);
    expect(costUsd).toBeCloseTo(castUsd(usage), 12);

    // The book's cost is its chunks' and its cast's; the day's and the fleet's spend count both.
    const record = (await readBookRecord(h.connection, h.config.prefix, bookId))!;
    expect(record.castCostUsd).toBeCloseTo(costUsd, 9);
    expect(record.costUsd).toBeCloseTo(report.totals.costUsd + costUsd, 6);
    const after = await readFleetSpend(h.connection, h.config.prefix);
    expect(after.todayUsd - before.todayUsd).toBeCloseTo(record.costUsd, 6);
    expect(after.totalUsd - before.totalUsd).toBeCloseTo(record.costUsd, 6);

    const printed = await status(h, bookId);
    expect(printed).toMatch(/\n {2}cast attribution: \$\S+ \(at submit; part of the cost\)/);
  }, 300_000);

  it('a re-run from the attribution cache pays nothing and records nothing', async () => {
    const calls = attributions();
    const before = await readFleetSpend(h.connection, h.config.prefix);
    const { submission, statuses } = await h.narrate([join(h.dir, 'visit.md')], { cast: 'auto', outDir: join(h.dir, 'again') });
    expect(statuses[0]?.state, statuses[0]?.reason).toBe('done');
    expect(attributions()).toBe(calls);
    const report = JSON.parse(await readFile(join(h.dir, 'again', 'visit.json'), 'utf8')) as BookReport;
    expect(report.castCost).toEqual({ model: 'gpt-4o-mini', calls: 0, cachedChapters: 1, usage: { promptTokens: 0, completionTokens: 0 }, costUsd: 0 });
    const record = (await readBookRecord(h.connection, h.config.prefix, submission.books[0]!.bookId))!;
    expect(record.castCostUsd).toBe(0);
    expect(record.costUsd).toBe(0); // its segments came from the store too
    expect((await readFleetSpend(h.connection, h.config.prefix)).todayUsd).toBe(before.todayUsd);
    expect(await status(h, submission.books[0]!.bookId)).toContain('cast attribution: $0.0000');
  }, 300_000);

  it('a book refused by its --max-cost still counts the attribution it bought in the day and the fleet, and says so', async () => {
    await writeFile(join(h.dir, 'cook.md'), BOOK.replace('the Queen', 'the Cook'));
    const calls = attributions();
    const before = await readFleetSpend(h.connection, h.config.prefix);
    const submission = await submitBooks([join(h.dir, 'cook.md')], { outDir: join(h.dir, 'refused'), cast: 'auto', maxCostUsd: 0.0000001 }, h.config, h.connection);
    expect(submission.books).toEqual([]);
    expect(attributions()).toBe(calls + 1);
    const reason = submission.failures[0]?.reason ?? '';
    const [, paid] = /not submitted; the attribution of its dialogue cost \$(\S+), counted in today's spend$/.exec(reason) ?? [];
    expect(paid, reason).toBeDefined();
    const after = await readFleetSpend(h.connection, h.config.prefix);
    expect(after.todayUsd - before.todayUsd).toBeGreaterThan(0);
    expect(after.todayUsd - before.todayUsd).toBeCloseTo(Number(paid), 4);
    expect(after.totalUsd - before.totalUsd).toBeCloseTo(after.todayUsd - before.todayUsd, 9);
  }, 300_000);

  it("counts against the daily budget: a budget the attribution spent holds the book's first reading back", async () => {
    await writeFile(join(h.dir, 'other.md'), BOOK.replace('the Queen', 'the Duchess'));
    const spent = (await readFleetSpend(h.connection, h.config.prefix)).todayUsd;
    const submission = await submitBooks([join(h.dir, 'other.md')], { outDir: join(h.dir, 'held'), cast: 'auto' }, h.config, h.connection);
    const book = submission.books[0]!;
    const cast = (await readBookRecord(h.connection, h.config.prefix, book.bookId))!.castCostUsd!;
    expect(cast).toBeGreaterThan(0);
    // A budget the day had left before this submit, which its attribution alone has now used up.
    const ledger = new BookLedger(h.connection, { prefix: h.config.prefix, prices: loadPrices(undefined), dailyBudgetUsd: spent + cast / 2 });
    await expect(ledger.admit(book.bookId)).rejects.toBeInstanceOf(DailyBudgetSpentError);
  }, 300_000);
});
