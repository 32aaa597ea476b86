import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanDocument } from '../../src/producer/plan-document.js';
import { FsSegmentStore } from '../../src/store/fs-segment-store.js';
import { chunksOfBook } from '../helpers/chunk-of-job.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';

const LONG_PARAGRAPH = Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} of the long paragraph walks on past the harbour wall.`).join(' ');
const BOOK = `# The Harbour

The boats came in at dawn. Nobody on the quay said a word.

${LONG_PARAGRAPH}

# The Lighthouse

A light turned above the rocks, once every nine seconds.
`;

const FRENCH = `# Le Port

Les bateaux rentraient à l'aube, et personne sur le quai ne disait un mot. La mer était calme, le ciel encore gris,
et les pêcheurs déchargeaient leurs caisses sans se presser. Au bout de la jetée, un vieil homme regardait l'horizon.
`;

// No Redis listens here: plan must never try to connect.
const DEAD_REDIS = 'redis://127.0.0.1:1';

describe('narrate plan', () => {
  let dir: string;
  const prefix = testPrefix('e2e-plan');
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-plan-'));
    await writeFile(join(dir, 'harbour.md'), BOOK);
    await writeFile(join(dir, 'port.md'), FRENCH);
    await writeFile(join(dir, 'tagged.md'), `---\ntitle: x\nlanguage: pt-BR\n---\n\n${FRENCH}`);
    await writeFile(join(dir, 'book.yaml'), 'title: Le Port\nauthor: Anon\nlanguage: fr-CA\nchapters:\n  - port.md\n');
    await writeFile(join(dir, 'bad-lang.yaml'), 'title: Le Port\nlanguage: french!\nchapters:\n  - port.md\n');
    await writeFile(join(dir, 'notes.rtf'), 'not a book');
    env = { REDIS_URL: DEAD_REDIS, NARRATE_PREFIX: prefix, NARRATE_LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    await obliterateQueues(connection, bullPrefix(prefix));
    await connection.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints title, author, language, chapters with chunk counts, characters and minutes, and totals, with Redis down', async () => {
    const result = await runCli(['plan', join(dir, 'harbour.md'), '--author', 'A. Writer', '--max-chars', '300'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Harbour by A. Writer');
    expect(result.stdout).toMatch(/language: English \(en, detected\)/);
    expect(result.stdout).toMatch(/1\. The Harbour {2}— {2}\d+ chunks, [\d,]+ chars, ~\d+\.\d min/);
    expect(result.stdout).toMatch(/2\. The Lighthouse {2}— {2}1 chunk, 72 chars, ~0\.1 min/);
    expect(result.stdout).toMatch(/total: 2 chapters, \d+ chunks, [\d,]+ characters, ~\d+\.\d min of audio, \d+ model calls/);
    expect(result.stderr).not.toMatch(/ECONNREFUSED|redis/i);
  });

  it('--json has books[].title/author/language/chapters[].title/chunks[].text/chars and an estimate that adds up', async () => {
    const result = await runCli(['plan', join(dir, 'harbour.md'), '--json', '--max-chars', '300'], env);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as PlanDocument;
    expect(doc.books).toHaveLength(1);
    const book = doc.books[0]!;
    expect(book).toMatchObject({ title: 'Harbour', author: '', language: 'en' });
    expect(book.chapters.map((c) => c.title)).toEqual(['The Harbour', 'The Lighthouse']);
    const chunks = book.chapters.flatMap((c) => c.chunks);
    for (const chunk of chunks) {
      expect(chunk.chars).toBe(chunk.text.length);
      expect(chunk.chars).toBeLessThanOrEqual(300);
    }
    // Every word of the book, in order, exactly once.
    const spoken = chunks.map((c) => c.text).join(' ').replace(/\s+/g, ' ');
    expect(spoken).toBe(['The Harbour', 'The boats came in at dawn. Nobody on the quay said a word.', LONG_PARAGRAPH, 'The Lighthouse', 'A light turned above the rocks, once every nine seconds.'].join(' '));
    expect(book.estimate).toMatchObject({ characters: chunks.reduce((n, c) => n + c.chars, 0), chunks: chunks.length, modelCalls: chunks.length });
    expect(book.estimate.audioMinutes).toBeGreaterThan(0.5);
    // Each chunk's sentences as they will be aligned: its text, sentence by sentence, nothing lost.
    for (const chunk of chunks) expect(chunk.sentences.join(' ')).toBe(chunk.text.replace(/\s+/g, ' ').trim());
    expect(chunks[0]!.sentences).toEqual(['The Harbour', 'The boats came in at dawn.', 'Nobody on the quay said a word.']);
    expect(doc.estimate.characters).toBe(book.estimate.characters);
  });

  it('--json and the summary give tokens and cost from the price table, and NARRATE_PRICES changes the cost', async () => {
    const plan = JSON.parse((await runCli(['plan', join(dir, 'harbour.md'), '--json'], env)).stdout) as PlanDocument;
    const cost = plan.books[0]!.estimate.cost!;
    expect(cost.model).toBe('gpt-4o-audio-preview');
    expect(cost.expectedCalls).toBeGreaterThanOrEqual(plan.books[0]!.estimate.modelCalls);
    expect(cost.inputTokens).toBeGreaterThan(0);
    expect(cost.audioOutputTokens).toBeGreaterThan(cost.textOutputTokens);
    // The built-in prices per million tokens, applied to the tokens the plan shows.
    const expected = (cost.inputTokens * 2.5 + cost.textOutputTokens * 10 + cost.audioOutputTokens * 80) / 1e6;
    expect(cost.costUsd).toBeCloseTo(expected, 6);
    expect(plan.estimate.cost!.costUsd).toBeCloseTo(cost.costUsd, 6);

    const prices = join(dir, 'prices.json');
    await writeFile(prices, JSON.stringify({ 'gpt-4o-audio-preview': { textInputPerM: 0, textOutputPerM: 0, audioOutputPerM: 160 } }));
    const dearer = JSON.parse((await runCli(['plan', join(dir, 'harbour.md'), '--json'], { ...env, NARRATE_PRICES: prices })).stdout) as PlanDocument;
    expect(dearer.books[0]!.estimate.cost!.costUsd).toBeCloseTo((cost.audioOutputTokens * 160) / 1e6, 6);

    const text = await runCli(['plan', join(dir, 'harbour.md')], env);
    expect(text.stdout).toMatch(/estimate with gpt-4o-audio-preview: ~\d+ calls with retries, [\d,]+ input \/ [\d,]+ text out \/ [\d,]+ audio out tokens, ~\$\d/);
  });

  it('--text prints exactly what will be spoken, with chapter markers', async () => {
    const json = JSON.parse((await runCli(['plan', join(dir, 'harbour.md'), '--json'], env)).stdout) as PlanDocument;
    const result = await runCli(['plan', join(dir, 'harbour.md'), '--text'], env);
    expect(result.code, result.stderr).toBe(0);
    const expected = ['==== Harbour (en) ====', ''];
    json.books[0]!.chapters.forEach((c, i) => {
      expected.push(`---- chapter ${i + 1}/2: ${c.title} ----`, '');
      for (const chunk of c.chunks) expected.push(chunk.text, '');
    });
    expect(result.stdout).toBe(`${expected.join('\n')}\n`);
  });

  it('plans exactly the chunks submit enqueues (one code path)', async () => {
    const plan = JSON.parse((await runCli(['plan', join(dir, 'harbour.md'), '--json', '--max-chars', '200'], env)).stdout) as PlanDocument;
    const storeDir = join(dir, 'segments');
    const submit = await runCli(['submit', join(dir, 'harbour.md'), '--max-chars', '200'], { ...env, REDIS_URL: 'redis://127.0.0.1:6379', NARRATE_STORE_DIR: storeDir });
    expect(submit.code, submit.stderr).toBe(0);
    const bookId = submit.stdout.split('\t')[0]!;
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    try {
      // The chunk jobs admission adds from the stored plan, each read from the store as a worker reads it.
      const chunks = await chunksOfBook(connection, new FsSegmentStore(storeDir), prefix, bookId);
      expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
      expect(chunks.map((c) => c.text)).toEqual(plan.books[0]!.chapters.flatMap((c) => c.chunks.map((k) => k.text)));
      expect(chunks.every((c) => c.language === 'en')).toBe(true);
    } finally {
      await connection.quit();
    }
  });

  it('takes the language from the text, front matter, the manifest and --language, in that rising order', async () => {
    const plan = async (...args: string[]) => {
      const result = await runCli(['plan', '--json', ...args], env);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as PlanDocument & { books: { languageSource: string }[] }).books[0]!;
    };
    expect(await plan(join(dir, 'port.md'))).toMatchObject({ language: 'fr', languageSource: 'detected' });
    expect(await plan(join(dir, 'tagged.md'))).toMatchObject({ language: 'pt-BR', languageSource: 'front matter' });
    expect(await plan(join(dir, 'book.yaml'))).toMatchObject({ language: 'fr-CA', languageSource: 'manifest' });
    expect(await plan(join(dir, 'book.yaml'), '--language', 'FR-be')).toMatchObject({ language: 'fr-BE', languageSource: 'flag' });
  });

  it('refuses a bad --language, --text with --json, and a bad --max-chars with exit 2', async () => {
    const badTag = await runCli(['plan', join(dir, 'harbour.md'), '--language', 'english'], env);
    expect(badTag.code).toBe(2);
    expect(badTag.stderr).toContain('--language: expected a BCP 47 language tag');
    expect(badTag.stderr).toContain('"english"');
    const both = await runCli(['plan', join(dir, 'harbour.md'), '--text', '--json'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--text and --json');
    const tiny = await runCli(['plan', join(dir, 'harbour.md'), '--max-chars', '5'], env);
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toContain('--max-chars');
  });

  it('names an unreadable input and exits 1, still planning the other books', async () => {    const missing = await runCli(['plan', join(dir, 'nope.md')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.md');
    const kind = await runCli(['plan', join(dir, 'notes.rtf'), join(dir, 'harbour.md')], env);
    expect(kind.code).toBe(1);
    expect(kind.stderr).toContain('notes.rtf');
    expect(kind.stdout).toContain('Harbour');
    const manifest = await runCli(['plan', join(dir, 'bad-lang.yaml')], env);
    expect(manifest.code).toBe(1);
    expect(manifest.stderr).toMatch(/bad-lang\.yaml: invalid manifest: language: expected a BCP 47 language tag .*"french!"/);
  });
});
