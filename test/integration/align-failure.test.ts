import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/status-command.js';
import type { CliIo } from '../../src/cli/io.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { alignReading, type AlignReading } from '../../src/worker/align-reading.js';
import { workerMetrics } from '../../src/worker/metrics.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

// Two chapters, one chunk each: the aligner crashes on the second one's reading.
const BOOK = `# The Harbour

The fishing boats came back before the storm. Their nets were heavy with silver herring. The harbour master counted every one of them.

# The Lamp

That night the keeper climbed the tower. He trimmed the wick and polished the great lens. The beam swept across the black water until dawn.
`;
const LAMP = 'That night the keeper climbed the tower.';

/** The real aligner, except on the lamp chapter's reading, where it fails the way a crashed espeak-ng does. */
const crashOnLamp: AlignReading = async (audio, text, language) => {
  if (text.includes(LAMP)) throw new RangeError('espeak-ng: memory access out of bounds');
  return alignReading(audio, text, language);
};

async function alignmentErrors(): Promise<number> {
  return (await workerMetrics.alignmentErrors.get()).values[0]?.value ?? 0;
}

describe('an aligner that crashes on an accepted reading', () => {
  let fake: FakeModelServer;
  let h: Harness;
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, new Writable({ write: (c: Buffer, _e, done) => (logs.push(JSON.parse(c.toString()) as Record<string, unknown>), done()) }));

  beforeAll(async () => {
    // The model reads the text aloud (flite), so the harbour chapter aligns for real.
    fake = await startFakeModel({ readText: { voice: { engine: 'flite', voice: 'slt' } } });
    h = await createHarness('align-failure', { NARRATE_API_KEY: 'test-key', NARRATE_BASE_URL: fake.url, NARRATE_ALIGN: 'on' });
    await writeFile(join(h.dir, 'harbour.md'), BOOK);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('keeps the paid reading without timings (one model call), finishes the book, and says which chunk has none', async () => {
    const before = await alignmentErrors();
    const { submission, statuses } = await h.narrate([join(h.dir, 'harbour.md')], { captions: 'vtt' }, { logger, aligner: crashOnLamp });
    expect(statuses[0]?.state, statuses[0]?.reason).toBe('done');
    const bookId = submission.books[0]!.bookId;
    // Bought once: the crash is not a reason to buy the reading again.
    expect(fake.callsFor(LAMP)).toBe(1);

    const report = JSON.parse(await readFile(join(h.dir, 'out', 'harbour.json'), 'utf8')) as BookReport;
    const lamp = report.chunks.find((c) => c.chapter === 1)!;
    const harbour = report.chunks.find((c) => c.chapter === 0)!;
    expect(lamp).toMatchObject({ attempts: 1, unaligned: 'alignment failed: espeak-ng: memory access out of bounds' });
    expect(lamp.alignment).toBeUndefined();
    expect(harbour.alignment).toMatchObject({ reference: 'en-us' });
    expect(harbour.unaligned).toBeUndefined();
    expect(report.totals.unalignedChunks).toEqual([lamp.index]);
    // The harbour chapter's sentences are timed and captioned; the lamp's are missing, as the manifest says.
    expect(report.sentences?.every((s) => s.chunk === harbour.index)).toBe(true);
    expect(report.sentences?.length).toBeGreaterThan(0);
    expect(await readFile(join(h.dir, 'out', 'harbour.vtt'), 'utf8')).toContain('fishing boats');

    // The worker said so, naming the book and the chunk, and counted it.
    const warning = logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('alignment failed'));
    expect(warning).toMatchObject({ bookId, chunk: lamp.index, err: 'espeak-ng: memory access out of bounds' });
    expect(await alignmentErrors()).toBe(before + 1);

    // narrate status too.
    let printed = '';
    const sink = new Writable({ write: (c: Buffer, _e, done) => ((printed += c.toString()), done()) }) as unknown as NodeJS.WriteStream;
    const io: CliIo = { stdout: sink, stderr: sink, env: {} };
    expect(await statusCommand(bookId, {}, h.config, io)).toBe(0);
    expect(printed).toContain(`without sentence timings: chunk ${lamp.index} (alignment failed: espeak-ng: memory access out of bounds;`);
  }, 300_000);

  it('narrated again from the store, the chunk still says why it has no timings: no model call', async () => {
    const calls = fake.calls.length;
    const { statuses } = await h.narrate([join(h.dir, 'harbour.md')], { outDir: join(h.dir, 'again') }, { aligner: crashOnLamp });
    expect(statuses[0]?.state, statuses[0]?.reason).toBe('done');
    expect(fake.calls.length).toBe(calls);
    const again = JSON.parse(await readFile(join(h.dir, 'again', 'harbour.json'), 'utf8')) as BookReport;
    expect(again.chunks.every((c) => c.cached)).toBe(true);
    expect(again.chunks.find((c) => c.chapter === 1)?.unaligned).toBe('alignment failed: espeak-ng: memory access out of bounds');
  }, 300_000);
});
