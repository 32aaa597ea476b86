import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominantFrequency } from '../../src/audio/dominant-frequency.js';
import { parseWav } from '../../src/audio/parse-wav.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

const FAITHFUL_HZ = 440;
const UNFAITHFUL_HZ = 880;

/** Forty paragraphs of three sentences: chunks of several sentences, so a cut-off chunk can be split. */
function bookText(): string {
  const subjects = ['The miller', 'His daughter', 'The old mare', 'A travelling tinker', 'The parson', 'Two crows'];
  const paragraphs: string[] = ['# The Mill at Dawn'];
  for (let p = 0; p < 40; p++) {
    const who = subjects[p % subjects.length]!;
    paragraphs.push(
      `${who} woke before the sun on day ${p + 1}. The wheel was turning slowly in the cold stream. ` +
        `Nobody spoke about the letter that had come on the ${p + 2}nd of the month.`,
    );
  }
  return `${paragraphs.join('\n\n')}\n`;
}

describe('verbatim reading against a model that answers instead of reading', () => {
  let fake: FakeModelServer;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeModel({ apiKey: 'k', answerRate: 0.25, lengthRate: 0.1, seed: 7, faithfulHz: FAITHFUL_HZ, unfaithfulHz: UNFAITHFUL_HZ });
    h = await createHarness('fidelity', { NARRATE_API_KEY: 'k', NARRATE_BASE_URL: fake.url });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('ends with every chunk faithful, none of the rejected audio in the book, and few extra calls', async () => {
    const path = join(h.dir, 'mill.md');
    await writeFile(path, bookText());
    const { statuses } = await h.narrate([path], { format: 'wav', maxChars: 300 });
    expect(statuses[0]?.state, statuses[0]?.reason).toBe('done');

    // The fake did misbehave: some readings were answers or cut off, and were rejected.
    const outcomes = fake.calls.map((c) => c.outcome);
    expect(outcomes.filter((o) => o === 'answered').length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 'cut').length).toBeGreaterThan(0);

    const output = statuses[0]!.output!;
    const report = JSON.parse(await readFile(output.replace(/\.wav$/, '.json'), 'utf8')) as BookReport;
    expect(report.totals.similarity.min).toBeGreaterThanOrEqual(0.9);
    const reasons = report.totals.retriesByReason;
    expect((reasons.unfaithful ?? 0) + (reasons['cut-off'] ?? 0)).toBeGreaterThan(0);
    expect(report.totals.modelCalls).toBe(fake.calls.length);
    // With 35% of readings bad the floor is 1/0.65 ≈ 1.54 calls per chunk; a cut-off chunk is split
    // and read as two halves, which brings the expectation to about 2.0.
    const callsPerChunk = report.totals.modelCalls / report.totals.chunks;
    expect(callsPerChunk).toBeLessThan(2.5);
    console.log(`fidelity: ${report.totals.chunks} chunks, ${callsPerChunk.toFixed(2)} calls per chunk, similarity min ${report.totals.similarity.min.toFixed(3)} mean ${report.totals.similarity.mean.toFixed(3)}`);

    // Every voiced 50 ms window of the finished book is the faithful tone: no rejected audio slipped in.
    const { format, data } = parseWav(await readFile(report.output));
    const window = (format.sampleRate / 20) * 2;
    let voiced = 0;
    for (let at = 0; at + window <= data.length; at += window) {
      const slice = data.subarray(at, at + window);
      if (slice.every((b) => b === 0)) continue;
      // Windows straddling a segment edge mix tone and silence; judge only windows of full tone.
      if (slice.subarray(0, 8).every((b) => b === 0) || slice.subarray(-8).every((b) => b === 0)) continue;
      voiced++;
      expect(Math.abs(dominantFrequency(slice, format.sampleRate) - FAITHFUL_HZ)).toBeLessThan(30);
    }
    expect(voiced).toBeGreaterThan(100);
  });
});

describe('resubmitting an edited book', () => {
  let fake: FakeModelServer;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeModel({ apiKey: 'k' });
    h = await createHarness('resubmit', { NARRATE_API_KEY: 'k', NARRATE_BASE_URL: fake.url });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('calls the model only for the chunks whose text changed', async () => {
    const path = join(h.dir, 'mill.md');
    const original = bookText();
    await writeFile(path, original);
    const first = await h.narrate([path], { format: 'wav', maxChars: 300 });
    expect(first.statuses[0]?.state).toBe('done');
    const firstTexts = new Set(fake.calls.map((c) => c.text));
    const callsBefore = fake.calls.length;

    await writeFile(path, original.replace('The wheel was turning slowly in the cold stream. Nobody spoke about the letter that had come on the 12nd', 'The wheel had stopped. Nobody spoke about the letter that had come on the 12nd'));
    const second = await h.narrate([path], { format: 'wav', maxChars: 300 });
    expect(second.statuses[0]?.state).toBe('done');
    const newCalls = fake.calls.slice(callsBefore);
    expect(newCalls).toHaveLength(1);
    expect(newCalls[0]!.text).toContain('The wheel had stopped.');
    expect(firstTexts.has(newCalls[0]!.text)).toBe(false);
  });
});
