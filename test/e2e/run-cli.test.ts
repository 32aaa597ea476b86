import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import { PAUSES_MS } from '../../src/finalizer/plan-timeline.js';
import { bullPrefix } from '../../src/queue/keys.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';

const TWO_CHAPTERS = `# The First Door

Anna opened the first door. Behind it was a long hall full of clocks.

Each clock showed a different hour, and none of them ticked.

# The Second Door

The second door was smaller. She had to kneel to pass through it.
`;

describe('narrate run, end to end', () => {
  let dir: string;
  let fake: FakeModelServer;
  const prefix = testPrefix('e2e-run');
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-e2e-'));
    await writeFile(join(dir, 'doors.md'), TWO_CHAPTERS);
    fake = await startFakeModel({ apiKey: 'e2e-key' });
    env = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    await obliterateQueues(connection, bullPrefix(prefix));
    await connection.quit();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('narrates a two-chapter book through the fake model into an m4b with titled chapters', async () => {
    const out = join(dir, 'out-fake');
    const result = await runCli(['run', join(dir, 'doors.md'), '--out', out, '--author', 'Test Author'], {
      ...env,
      NARRATE_API_KEY: 'e2e-key',
      NARRATE_BASE_URL: fake.url,
    });
    expect(result.stderr).not.toContain('e2e-key');
    expect(result.code, result.stderr).toBe(0);
    const output = result.stdout.trim();
    expect(output).toBe(join(out, 'doors.m4b'));
    const report = JSON.parse(await readFile(join(out, 'doors.json'), 'utf8')) as BookReport;
    const probe = await probeAudio(output);
    expect(probe.chapters.map((c) => c.title)).toEqual(['The First Door', 'The Second Door']);
    // Expected length: every segment plus the pauses between them, as the manifest itemises.
    const segments = report.chunks.reduce((n, c) => n + c.durationMs, 0);
    expect(report.durationMs).toBeGreaterThan(segments);
    expect(Math.abs(probe.durationMs - report.durationMs)).toBeLessThan(150);
    expect(report.chapters[1]!.startMs).toBeGreaterThanOrEqual(PAUSES_MS.chapter);
    expect(probe.tags.title).toBe('Doors');
    expect(probe.tags.artist).toBe('Test Author');
    expect(report.model).toBe('gpt-4o-audio-preview');
    expect(report.totals.modelCalls).toBe(report.chunks.length);
    expect(JSON.stringify(report)).not.toContain('e2e-key');
  });

  it('narrates the same book again in another format without calling the model', async () => {
    const before = fake.calls.length;
    const out = join(dir, 'out-again');
    const result = await runCli(['run', join(dir, 'doors.md'), '--out', out, '--format', 'mp3'], {
      ...env,
      NARRATE_API_KEY: 'e2e-key',
      NARRATE_BASE_URL: fake.url,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(fake.calls.length).toBe(before);
    const probe = await probeAudio(join(out, 'doors.mp3'));
    expect(probe.chapters).toHaveLength(2);
  });

  it('narrates with the offline voice when no API key is set', async () => {
    const out = join(dir, 'out-offline');
    const result = await runCli(['run', join(dir, 'doors.md'), '--out', out, '--title', 'Doors Offline'], env);
    expect(result.code, result.stderr).toBe(0);
    const probe = await probeAudio(join(out, 'doors-offline.m4b'));
    expect(probe.chapters.map((c) => c.title)).toEqual(['The First Door', 'The Second Door']);
    expect(probe.durationMs).toBeGreaterThan(5_000);
    const report = JSON.parse(await readFile(join(out, 'doors-offline.json'), 'utf8')) as BookReport;
    expect(report.provider).toBe('offline');
  });

  it('answers bad input with a message naming it, and narrates the rest', async () => {
    await writeFile(join(dir, 'empty.txt'), '');
    await writeFile(join(dir, 'binary.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3, 0]));
    const out = join(dir, 'out-bad');
    const result = await runCli(
      ['run', join(dir, 'empty.txt'), join(dir, 'binary.txt'), join(dir, 'missing.txt'), join(dir, 'doors.md'), '--out', out, '--format', 'wav'],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/empty\.txt.*empty/);
    expect(result.stderr).toMatch(/binary\.txt.*binary/);
    expect(result.stderr).toMatch(/missing\.txt.*no such file/);
    expect(result.stdout.trim()).toBe(join(out, 'doors.wav'));
  });

  it('exits 2 with a clear message on a usage error', async () => {
    const badFormat = await runCli(['run', join(dir, 'doors.md'), '--format', 'ogg'], env);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format: expected one of m4b, m4a, mp3, opus, flac, wav, got "ogg"');
    const badEnv = await runCli(['status'], { ...env, NARRATE_CONCURRENCY: 'lots' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('NARRATE_CONCURRENCY');
    const noArgs = await runCli(['run'], env);
    expect(noArgs.code).toBe(2);
  });

  it('keeps a hostile title inside --out', async () => {
    const out = join(dir, 'out-title');
    const result = await runCli(['run', join(dir, 'doors.md'), '--out', out, '--title', '../../escape', '--format', 'wav'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(join(out, 'escape.wav'));
    // The WAV is joined without ffmpeg; it still carries the title as written, and the length the manifest says.
    const probe = await probeAudio(join(out, 'escape.wav'));
    expect(probe.tags.title).toBe('../../escape');
    const report = JSON.parse(await readFile(join(out, 'escape.json'), 'utf8')) as BookReport;
    expect(Math.abs(probe.durationMs - report.durationMs)).toBeLessThan(5);
  });

  it('lists books with status, and summarises one', async () => {
    const result = await runCli(['status'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/done\t\d+\/\d+ chunks\tDoors/);
    const bookId = result.stdout.split('\n')[0]!.split('\t')[0]!;
    const one = await runCli(['status', bookId], env);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`${bookId}\tdone`);
    expect(one.stdout).toMatch(/retries by reason: none/);
    expect(one.stdout).toMatch(/similarity: min 1\.000, mean 1\.000/);
    const missing = await runCli(['status', 'no-such-book'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no book "no-such-book"');
  });
});
