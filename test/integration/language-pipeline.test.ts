import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

const FIRST = '吾輩は猫である。名前はまだ無い。';
const SECOND = 'どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。';
const BOOK = `# 第一章\n\n${FIRST}\n\n${SECOND}\n`;

describe('a Japanese book through the fake model', () => {
  let fake: FakeModelServer;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeModel({ apiKey: 'k' });
    h = await createHarness('language', { NARRATE_API_KEY: 'k', NARRATE_BASE_URL: fake.url });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('accepts a transcript that differs only in punctuation and spacing, and rejects one translated into English', async () => {
    const path = join(h.dir, 'neko.md');
    await writeFile(path, BOOK);
    // Two chunks (max-chars 60): the heading with the first paragraph, then the second; each fault lands on one.
    fake.inject(
      // The model's own punctuation and spaces: the same words.
      { kind: 'transcript', match: FIRST, transcript: '第一章、吾輩は 猫である 名前は、まだ無い' },
      // The model translated: rejected, and read again.
      { kind: 'transcript', match: SECOND, transcript: "I have no idea where I was born. All I remember is crying in a dim, damp place." },
    );
    const { statuses, submission } = await h.narrate([path], { format: 'wav', maxChars: 60 });
    expect(submission.books[0]!.language).toBe('ja');
    expect(statuses[0]?.state, statuses[0]?.reason).toBe('done');
    const report = JSON.parse(await readFile(statuses[0]!.output!.replace(/\.wav$/, '.json'), 'utf8')) as BookReport;
    expect(report.language).toBe('ja');
    expect(report.chunks).toHaveLength(2);
    const [first, second] = report.chunks;
    expect(first).toMatchObject({ attempts: 1, similarity: 1, rejections: [] });
    expect(second?.attempts).toBe(2);
    expect(second?.rejections.map((r) => r.reason)).toEqual(['unfaithful']);
    expect(second!.rejections[0]!.similarity).toBeLessThan(0.2);
    // Every call told the model the language and not to translate.
    const systems = fake.calls.map((c) => c.system);
    expect(systems.length).toBe(3);
    for (const system of systems) expect(system).toContain('The text is in Japanese (ja). Read it in Japanese');
  });
});
