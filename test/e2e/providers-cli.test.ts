/**
 * The providers people use now, through the real CLI against the fake model on loopback: a book
 * narrated by the speech endpoint and by gpt-audio, their prices in `narrate plan`, and a model the
 * server does not serve, stopped at start (exit 2) or found out mid-run after one call.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import type { PlanDocument } from '../../src/producer/plan-document.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';

const BOOK = `# The Ferry

The ferry left at six. Gulls followed it out past the breakwater, crying over the wake.

Mara stood at the rail and watched the town grow small.

# The Island

On the island the road ran uphill between stone walls. She walked it slowly, counting the gates.
`;

describe('providers and models, end to end', () => {
  let dir: string;
  let fake: FakeModelServer;
  const prefix = testPrefix('e2e-providers');
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-providers-'));
    await writeFile(join(dir, 'ferry.md'), BOOK);
    fake = await startFakeModel({ apiKey: 'prov-key' });
    env = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'warn', NARRATE_API_KEY: 'prov-key', NARRATE_BASE_URL: fake.url };
  });
  afterAll(async () => {
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    await obliterateQueues(connection, bullPrefix(prefix));
    await connection.quit();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const plan = async (extra: Record<string, string>) => {
    const result = await runCli(['plan', join(dir, 'ferry.md'), '--json'], { ...env, REDIS_URL: 'redis://127.0.0.1:1', ...extra });
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as PlanDocument).books[0]!.estimate.cost!;
  };

  it('plan prices each provider and model from its own row: tokens for gpt-audio and gpt-4o-mini-tts, characters for tts-1', async () => {
    const chat = await plan({ NARRATE_MODEL: 'gpt-audio' });
    expect(chat).toMatchObject({ model: 'gpt-audio', provider: 'chat-audio' });
    expect(chat.costUsd).toBeCloseTo((chat.inputTokens * 2.5 + chat.textOutputTokens * 10 + chat.audioOutputTokens * 64) / 1e6, 9);
    const mini = await plan({ NARRATE_PROVIDER: 'speech' });
    expect(mini).toMatchObject({ model: 'gpt-4o-mini-tts', provider: 'speech', textOutputTokens: 0 });
    expect(mini.costUsd).toBeCloseTo((mini.inputTokens * 0.6 + mini.audioOutputTokens * 12) / 1e6, 9);
    const tts1 = await plan({ NARRATE_PROVIDER: 'speech', NARRATE_MODEL: 'tts-1' });
    expect(tts1.characters).toBeGreaterThan(BOOK.length / 2);
    expect(tts1.costUsd).toBeCloseTo((tts1.characters! * 15) / 1e6, 9);
    const text = await runCli(['plan', join(dir, 'ferry.md')], { ...env, REDIS_URL: 'redis://127.0.0.1:1', NARRATE_PROVIDER: 'speech', NARRATE_MODEL: 'tts-1-hd' });
    expect(text.stdout).toMatch(/estimate with tts-1-hd \(speech endpoint\): ~\d+ calls with retries, [\d,]+ characters, ~\$0\.0\d+/);
    // The speech endpoint's 4096 characters a call bound --max-chars.
    const tooLong = await runCli(['plan', join(dir, 'ferry.md'), '--max-chars', '5000'], { ...env, NARRATE_PROVIDER: 'speech' });
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('--max-chars: expected at most 4096 with NARRATE_PROVIDER=speech');
  });

  it('narrates a book through the speech endpoint (gpt-4o-mini-tts): every reading checked by duration, every call priced', async () => {
    const before = fake.calls.length;
    const out = join(dir, 'out-speech');
    const result = await runCli(['run', join(dir, 'ferry.md'), '--out', out, '--style', 'quiet and low'], { ...env, NARRATE_PROVIDER: 'speech' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('prov-key');
    const calls = fake.calls.slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) {
      expect(call.endpoint).toBe('speech');
      expect(call.body).toMatchObject({ model: 'gpt-4o-mini-tts', voice: 'alloy', response_format: 'wav', instructions: 'Voice and style: quiet and low.' });
    }
    const report = JSON.parse(await readFile(join(out, 'ferry.json'), 'utf8')) as BookReport;
    expect(report).toMatchObject({ provider: 'speech', model: 'gpt-4o-mini-tts' });
    expect(report.chunks).toHaveLength(calls.length);
    expect(report.chunks.every((c) => c.checkedBy === 'duration')).toBe(true);
    for (const c of report.chunks) expect(c.costUsd).toBeCloseTo((c.usage.promptTokens * 0.6 + (c.usage.audioOutputTokens ?? 0) * 12) / 1e6, 9);
    expect(report.totals.costUsd).toBeGreaterThan(0);
    const probe = await probeAudio(result.stdout.trim());
    expect(probe.chapters.map((c) => c.title)).toEqual(['The Ferry', 'The Island']);
    expect(JSON.stringify(report)).not.toContain('prov-key');
  });

  it('narrates a book with gpt-audio through chat completions, priced at its own row', async () => {
    const before = fake.calls.length;
    const out = join(dir, 'out-gpt-audio');
    const result = await runCli(['run', join(dir, 'ferry.md'), '--out', out], { ...env, NARRATE_MODEL: 'gpt-audio' });
    expect(result.code, result.stderr).toBe(0);
    const calls = fake.calls.slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((c) => c.endpoint === 'chat' && c.body.model === 'gpt-audio')).toBe(true);
    const report = JSON.parse(await readFile(join(out, 'ferry.json'), 'utf8')) as BookReport;
    expect(report).toMatchObject({ provider: 'chat-audio', model: 'gpt-audio' });
    const c = report.chunks[0]!;
    expect(c.checkedBy).toBeUndefined();
    expect(c.costUsd).toBeCloseTo((c.usage.promptTokens * 2.5 + (c.usage.textOutputTokens ?? 0) * 10 + (c.usage.audioOutputTokens ?? 0) * 64) / 1e6, 9);
  });

  it('run and worker stop at start with exit 2 when the model is not served, before any book is queued or call made', async () => {
    const before = fake.calls.length;
    const books = async () => (JSON.parse((await runCli(['list', '--json'], env)).stdout) as unknown[]).length;
    const booksBefore = await books();
    const run = await runCli(['run', join(dir, 'ferry.md'), '--out', join(dir, 'never')], { ...env, NARRATE_MODEL: 'gpt-audio-9' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`narrate: NARRATE_MODEL=gpt-audio-9 is not served by ${fake.url} (404: The model \`gpt-audio-9\` does not exist`);
    expect(run.stderr).toMatch(/set NARRATE_MODEL to a chat-audio model it serves \(it lists gpt-4o-audio-preview, .*gpt-audio, gpt-audio-mini\)/);
    expect(run.stderr).not.toContain('queued');
    const worker = await runCli(['worker'], { ...env, NARRATE_PROVIDER: 'speech', NARRATE_MODEL: 'tts-2' }, { timeoutMs: 30_000 });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/NARRATE_MODEL=tts-2 is not served by .*set NARRATE_MODEL to a speech model it serves \(it lists gpt-4o-mini-tts, tts-1, tts-1-hd\)/);
    expect(fake.calls.length).toBe(before);
    expect(await books()).toBe(booksBefore);
  });

  it('a model withdrawn after the start fails the book after one call, saying what to set', async () => {
    // Its own fake: this one stops serving gpt-audio once the start-up check has passed.
    const withdrawing = await startFakeModel({ apiKey: 'prov-key' });
    try {
      const watcher = setInterval(() => {
        if (withdrawing.modelRequests.length > 0) withdrawing.withdraw('gpt-audio');
      }, 1);
      const result = await runCli(['run', join(dir, 'ferry.md'), '--out', join(dir, 'out-withdrawn'), '--max-chars', '60'], {
        ...env,
        NARRATE_BASE_URL: withdrawing.url,
        NARRATE_MODEL: 'gpt-audio',
        NARRATE_CONCURRENCY: '1',
      });
      clearInterval(watcher);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`failed: "Ferry" \\(ferry-[a-z0-9]+\\): chunk \\d+: NARRATE_MODEL=gpt-audio is not served by ${withdrawing.url.replace(/[.]/g, '\\.')} \\(404: .*\\): set NARRATE_MODEL to a chat-audio model it serves`));
      // The book has several chunks; one call told it all.
      expect(withdrawing.calls).toHaveLength(1);
    } finally {
      await withdrawing.close();
    }
  });
});
