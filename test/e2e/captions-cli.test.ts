import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { decodePcm } from '../helpers/decode-pcm.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { parseCaptions } from '../helpers/parse-captions.js';

const BOOK = `# The Harbour

The fishing boats came back before the storm. Their nets were heavy with silver herring, and the gulls followed them in. The harbour master counted every one of them.

# The Lamp

That night the keeper climbed the tower. He trimmed the wick and polished the great lens. The beam swept across the black water until dawn.
`;

type Cue = ReturnType<typeof parseCaptions>[number];

/** What ffmpeg itself reads from a WebVTT file: one subtitle packet per cue, with its start and length. */
async function ffprobeCues(path: string): Promise<{ startMs: number; endMs: number }[]> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'packet=pts_time,duration_time', '-of', 'json', path]);
  const packets = (JSON.parse(stdout) as { packets: { pts_time: string; duration_time: string }[] }).packets;
  return packets.map((p) => ({ startMs: Math.round(Number(p.pts_time) * 1000), endMs: Math.round((Number(p.pts_time) + Number(p.duration_time)) * 1000) }));
}

/** RMS of the decoded book over [fromMs, toMs). */
function rms(pcm: Int16Array, fromMs: number, toMs: number, rate = 24_000): number {
  const from = Math.max(0, Math.round((fromMs * rate) / 1000));
  const to = Math.min(pcm.length, Math.round((toMs * rate) / 1000));
  let sum = 0;
  for (let i = from; i < to; i++) sum += pcm[i]! * pcm[i]!;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** What a listener following the captions sees: every sentence has a cue, in order, where its voice is. */
async function checkCaptions(report: BookReport, book: string, cues: Cue[]): Promise<void> {
  const sentences = report.sentences!;
  // Every sentence of the text (each chapter's title first), each with its cue, in order, none overlapping.
  expect(sentences.map((s) => s.text)).toEqual(['The Harbour', 'The fishing boats came back before the storm.', 'Their nets were heavy with silver herring, and the gulls followed them in.', 'The harbour master counted every one of them.', 'The Lamp', 'That night the keeper climbed the tower.', 'He trimmed the wick and polished the great lens.', 'The beam swept across the black water until dawn.']);
  expect(cues.map((c) => c.lines.join(' '))).toEqual(sentences.map((s) => s.text));
  cues.forEach((c, i) => {
    expect(c.endMs).toBeGreaterThan(c.startMs);
    if (i > 0) expect(c.startMs).toBeGreaterThanOrEqual(cues[i - 1]!.endMs);
    expect(c.startMs).toBe(sentences[i]!.startMs);
  });
  // Each sentence inside its chunk's voice, and the chunk's first sentence starts near where its voice does.
  for (const s of sentences) {
    const chunk = report.chunks[s.chunk]!;
    expect(s.startMs).toBeGreaterThanOrEqual(chunk.startMs!);
    expect(s.endMs).toBeLessThanOrEqual(chunk.endMs! + 1);
  }
  // Where a cue starts, the book speaks: the 150 ms after each start are far louder than the book's pauses.
  const pcm = await decodePcm(book);
  const chapterPause = rms(pcm, report.chapters[0]!.endMs - 1500, report.chapters[0]!.endMs - 500);
  for (const s of sentences) expect(rms(pcm, s.startMs, s.startMs + 150), s.text).toBeGreaterThan(Math.max(30, 8 * chapterPause));
}

describe('narrate run --captions', () => {
  let dir: string;
  let fake: FakeModelServer;
  const prefix = testPrefix('e2e-captions');
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-captions-'));
    await writeFile(join(dir, 'harbour.md'), BOOK);
    fake = await startFakeModel({ apiKey: 'e2e-key', readText: { voice: { engine: 'flite', voice: 'rms' } } });
    env = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'warn', NARRATE_ALIGN: 'on' };
  });
  afterAll(async () => {
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    await obliterateQueues(connection, bullPrefix(prefix));
    await connection.quit();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('with the offline voice: WebVTT for the book and beside each chapter file, a cue per sentence where its voice is', async () => {
    const out = join(dir, 'out-offline');
    // Bounds for a shared 2-core machine: the offline voice, the alignment and ffmpeg all take CPU.
    const result = await runCli(['run', join(dir, 'harbour.md'), '--out', out, '--captions', 'vtt'], env, { timeoutMs: 280_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'harbour.json'), 'utf8')) as BookReport;
    expect(report.provider).toBe('offline');
    expect(report.captions).toBe(join(out, 'harbour.vtt'));
    const vtt = await readFile(join(out, 'harbour.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    const cues = parseCaptions(vtt);
    await checkCaptions(report, join(out, 'harbour.m4b'), cues);
    // ffmpeg reads the file as WebVTT, cue for cue.
    expect(await ffprobeCues(join(out, 'harbour.vtt'))).toEqual(cues.map((c) => ({ startMs: c.startMs, endMs: c.endMs })));
    // Beside each chapter file, timed on that file's own timeline: the book's cues, moved back by where the file starts.
    const files = (await readdir(join(out, 'harbour.chapters'))).sort();
    expect(files).toEqual(['01-the-harbour.m4b', '01-the-harbour.vtt', '02-the-lamp.m4b', '02-the-lamp.vtt']);
    const second = parseCaptions(await readFile(join(out, 'harbour.chapters', '02-the-lamp.vtt'), 'utf8'));
    const inBook = cues.slice(4);
    expect(second.map((c) => c.lines.join(' '))).toEqual(inBook.map((c) => c.lines.join(' ')));
    const chapterFile = await probeAudio(join(out, 'harbour.chapters', '02-the-lamp.m4b'));
    const offset = report.durationMs - chapterFile.durationMs;
    second.forEach((c, i) => expect(Math.abs(c.startMs - (inBook[i]!.startMs - offset))).toBeLessThanOrEqual(30));
    expect(report.chapters[1]!.captions).toBe(join(out, 'harbour.chapters', '02-the-lamp.vtt'));
  }, 300_000);

  it('with the chat model: SubRip of every sentence, every chunk aligned well inside the check bound', async () => {
    const out = join(dir, 'out-fake');
    const result = await runCli(['run', join(dir, 'harbour.md'), '--out', out, '--captions', 'srt'], { ...env, NARRATE_API_KEY: 'e2e-key', NARRATE_BASE_URL: fake.url }, { timeoutMs: 280_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'harbour.json'), 'utf8')) as BookReport;
    expect(report.model).toBe('gpt-4o-audio-preview');
    for (const c of report.chunks) expect(c.alignment?.cost).toBeLessThan(0.85);
    await checkCaptions(report, join(out, 'harbour.m4b'), parseCaptions(await readFile(join(out, 'harbour.srt'), 'utf8')));
  }, 300_000);

  it('refuses --captions with NARRATE_ALIGN=off, and a format it does not write, saying what to set', async () => {
    const off = await runCli(['run', join(dir, 'harbour.md'), '--out', join(dir, 'x'), '--captions', 'vtt'], { ...env, NARRATE_ALIGN: 'off' });
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('NARRATE_ALIGN=off');
    const bad = await runCli(['run', join(dir, 'harbour.md'), '--out', join(dir, 'x'), '--captions', 'ass'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--captions: expected vtt or srt, got "ass"');
    const setting = await runCli(['plan', join(dir, 'harbour.md')], { ...env, NARRATE_ALIGN: 'maybe' });
    expect(setting.code).toBe(2);
    expect(setting.stderr).toContain('NARRATE_ALIGN');
  });
});
