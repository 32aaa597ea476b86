import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/status-command.js';
import type { CliIo } from '../../src/cli/io.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { chunkSentences } from '../../src/producer/chunk-sentences.js';
import { workerMetrics } from '../../src/worker/metrics.js';
import * as alignChunkModule from '../../src/align/align-chunk.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

// Two chapters of a few sentences each: one chunk per chapter, each long enough for the check to judge.
const BOOK = `# The Harbour

The fishing boats came back before the storm. Their nets were heavy with silver herring. The harbour master counted every one of them. Then he closed the gates against the rising sea.

# The Lamp

That night the keeper climbed the tower. He trimmed the wick and polished the great lens. The beam swept across the black water until dawn.
`;
const CUT = 'Their nets were heavy with silver herring.';

async function rejectedForAlignment(): Promise<number> {
  const metric = await workerMetrics.rejections.get();
  return metric.values.find((v) => v.labels.reason === 'alignment')?.value ?? 0;
}

describe('sentence alignment in the pipeline', () => {
  let fake: FakeModelServer;
  let h: Harness;
  let cuts = 0;

  beforeAll(async () => {
    fake = await startFakeModel({
      // A model that reads the text (flite's voice, not the aligner's espeak-ng) and, the first time
      // it reads the harbour chapter, leaves one sentence out of the audio while its transcript says it.
      readText: { voice: { engine: 'flite', voice: 'slt' }, drop: (_n, sentences) => (cuts === 0 && sentences.includes(CUT) ? (cuts++, sentences.indexOf(CUT)) : undefined) },
    });
    h = await createHarness('align-pipeline', { NARRATE_API_KEY: 'test-key', NARRATE_BASE_URL: fake.url, NARRATE_ALIGN: 'on' });
    await writeFile(join(h.dir, 'harbour.md'), BOOK);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('rejects a reading with a sentence cut out (reason alignment), narrates it again, and the book lists every sentence', async () => {
    const before = await rejectedForAlignment();
    const { submission, statuses } = await h.narrate([join(h.dir, 'harbour.md')], { captions: 'vtt' });
    expect(statuses[0]?.state, statuses[0]?.reason).toBe('done');
    expect(cuts).toBe(1);
    const report = JSON.parse(await readFile(join(h.dir, 'out', 'harbour.json'), 'utf8')) as BookReport;
    // The cut reading was turned down by the sentence check, naming the missing sentence, and read again.
    const rejections = report.chunks.flatMap((c) => c.rejections);
    expect(rejections.map((r) => r.reason)).toContain('alignment');
    // The check names the sentence it found missing (the skip test may blame the cut one's neighbour).
    expect(rejections.find((r) => r.reason === 'alignment')?.detail).toMatch(/^sentence \d+ \(".+"\) (seems to be missing|lasts)/);
    expect(report.totals.retriesByReason.alignment).toBeGreaterThanOrEqual(1);
    expect(await rejectedForAlignment()).toBeGreaterThan(before);
    // narrate status says so too.
    let printed = '';
    const sink = new Writable({ write: (c: Buffer, _e, done) => ((printed += c.toString()), done()) }) as unknown as NodeJS.WriteStream;
    const io: CliIo = { stdout: sink, stderr: sink, env: {} };
    expect(await statusCommand(submission.books[0]!.bookId, {}, h.config, io)).toBe(0);
    expect(printed).toMatch(/retries by reason: .*alignment \d/);

    // Every sentence of every chunk, in order, inside its chunk's span on the book's timeline.
    // (Each chapter's title is read first, as its own sentence.)
    const expected = chunkSentences(BOOK.replace(/^# /gm, ''));
    expect(report.sentences?.map((s) => s.text)).toEqual(expected);
    for (const s of report.sentences!) {
      const chunk = report.chunks[s.chunk]!;
      expect(s.chapter).toBe(chunk.chapter + 1);
      expect(s.startMs).toBeGreaterThanOrEqual(chunk.startMs!);
      expect(s.endMs).toBeLessThanOrEqual(chunk.endMs! + 1);
      expect(s.endMs).toBeGreaterThan(s.startMs);
    }
    report.sentences!.slice(1).forEach((s, i) => expect(s.startMs).toBeGreaterThanOrEqual(report.sentences![i]!.endMs - 1));
    for (const c of report.chunks) expect(c.alignment).toMatchObject({ reference: 'en-us', cost: expect.any(Number), confidence: expect.any(Number) });
    expect(report.captions).toBe(join(h.dir, 'out', 'harbour.vtt'));
  }, 300_000);

  it('a cached segment keeps its timings: no model call, no second alignment', async () => {
    const first = JSON.parse(await readFile(join(h.dir, 'out', 'harbour.json'), 'utf8')) as BookReport;
    const calls = fake.calls.length;
    let aligned = 0;
    const real = alignChunkModule.alignChunk;
    // Counted through the module's own export: a worker that aligned again would go through it.
    const spy = (await import('vitest')).vi.spyOn(alignChunkModule, 'alignChunk').mockImplementation(async (...args) => {
      aligned++;
      return real(...args);
    });
    try {
      const { statuses } = await h.narrate([join(h.dir, 'harbour.md')], { outDir: join(h.dir, 'again'), captions: 'srt' });
      expect(statuses[0]?.state, statuses[0]?.reason).toBe('done');
    } finally {
      spy.mockRestore();
    }
    expect(fake.calls.length).toBe(calls);
    expect(aligned).toBe(0);
    const again = JSON.parse(await readFile(join(h.dir, 'again', 'harbour.json'), 'utf8')) as BookReport;
    expect(again.chunks.every((c) => c.cached)).toBe(true);
    expect(again.sentences).toEqual(first.sentences);
    expect(await readFile(join(h.dir, 'again', 'harbour.srt'), 'utf8')).toMatch(/^1\n00:00:\d\d,\d{3} --> /);
  }, 300_000);
});
