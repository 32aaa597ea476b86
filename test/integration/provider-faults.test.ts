import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

const KEY = 'sk-test-secret-0123456789';

describe('chat-audio provider through real workers and Redis', () => {
  let fake: FakeModelServer;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeModel({ apiKey: KEY, charsPerSecond: 15 });
    h = await createHarness('faults', {
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_REQUEST_TIMEOUT_MS: '800',
      NARRATE_MAX_ATTEMPTS: '4',
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  async function book(name: string, text: string): Promise<string> {
    const path = join(h.dir, name);
    await writeFile(path, text);
    return path;
  }

  it('sends the seed-shaped request: model, modalities, wav audio, a system message and only the chunk as user text', async () => {
    const path = await book('plain.txt', 'The first sentence of a plain book.\n\nA second paragraph follows it.');
    const before = fake.calls.length;
    const { statuses } = await h.narrate([path], { format: 'wav', voice: 'verse' });
    expect(statuses[0]?.state).toBe('done');
    const calls = fake.calls.slice(before);
    expect(calls).toHaveLength(1);
    const body = calls[0]!.body;
    expect(body.model).toBe('gpt-4o-audio-preview');
    expect(body.modalities).toEqual(['text', 'audio']);
    expect(body.audio).toEqual({ voice: 'verse', format: 'wav' });
    expect(body.max_tokens).toBeGreaterThan(0);
    expect(body.temperature).toBeGreaterThan(0);
    expect(body.messages).toHaveLength(2);
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toMatch(/exactly/i);
    expect(body.messages[1]).toEqual({ role: 'user', content: 'The first sentence of a plain book.\n\nA second paragraph follows it.' });
  });

  it('streams a long reading to disk as it arrives and stores exactly its audio', async () => {
    // About 45 s of speech: a 2.9 MB body, decoded to the spool while it streams in.
    const sentence = 'The long road wound over the hills and down into the valley where the river ran. ';
    const text = sentence.repeat(8).trim();
    const path = await book('long.txt', text);
    const { statuses } = await h.narrate([path], { format: 'wav', maxChars: 2000 });
    expect(statuses[0]?.state, statuses[0]?.reason).toBe('done');
    const report = JSON.parse(await readFile(statuses[0]!.output!.replace(/\.wav$/, '.json'), 'utf8')) as BookReport;
    expect(report.chunks).toHaveLength(1);
    expect(report.chunks[0]!.durationMs).toBeCloseTo((text.length / 15) * 1000, -1);
    // Nothing stays behind in the spool once the segment is stored.
    expect(await readdir(join(h.config.storeDir, '.spool'))).toEqual([]);
  });

  it('retries 500, a non-audio body and a hung request, and finishes the book', async () => {
    const path = await book('flaky.txt', 'Flaky server text for retries.');
    fake.inject(
      { kind: 'status', status: 500, match: 'Flaky server' },
      { kind: 'non-audio', match: 'Flaky server' },
      { kind: 'hang', match: 'Flaky server' },
    );
    const { statuses } = await h.narrate([path], { format: 'wav' });
    expect(statuses[0]?.state).toBe('done');
    expect(fake.callsFor('Flaky server text for retries.')).toBe(4);
    const outcomes = fake.calls.filter((c) => c.text.includes('Flaky server')).map((c) => c.outcome);
    expect(outcomes).toEqual(['error', 'error', 'hung', 'read']);
  });

  it('honours Retry-After on 429 without spending an attempt', async () => {
    const path = await book('limited.txt', 'Rate limited text waits its turn.');
    // More 429s than attempts: only works if a rate-limit pause does not count as an attempt.
    fake.inject(
      ...Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 429, retryAfterMs: 300, match: 'Rate limited' })),
    );
    const { statuses } = await h.narrate([path], { format: 'wav' });
    expect(statuses[0]?.state).toBe('done');
    const times = fake.calls.filter((c) => c.text.includes('Rate limited')).map((c) => c.at);
    expect(times).toHaveLength(6);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(250);
  });

  it('fails the chunk and the book at once on 401, with the provider reason and without the key', async () => {
    const path = await book('denied.txt', 'Denied text is never read.');
    fake.inject({ kind: 'status', status: 401, message: 'Incorrect API key provided', match: 'Denied text' });
    const { statuses } = await h.narrate([path], { format: 'wav' });
    expect(statuses[0]?.state).toBe('failed');
    expect(statuses[0]?.reason).toMatch(/401/);
    expect(statuses[0]?.reason).toMatch(/Incorrect API key provided/);
    expect(statuses[0]?.reason).not.toContain(KEY);
    expect(fake.callsFor('Denied text is never read.')).toBe(1);
  });

  it('fails fast on 400 too, and keeps narrating the other books of the batch', async () => {
    const bad = await book('bad-request.txt', 'Bad request text.');
    const good = await book('good.txt', 'Good text in the same batch.');
    fake.inject({ kind: 'status', status: 400, message: 'Invalid value for audio.voice', match: 'Bad request' });
    const { statuses } = await h.narrate([bad, good], { format: 'wav' });
    expect(statuses.map((s) => s.state).sort()).toEqual(['done', 'failed']);
    expect(fake.callsFor('Bad request text.')).toBe(1);
  });
});
