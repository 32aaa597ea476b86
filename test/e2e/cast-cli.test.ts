/**
 * Dialogue read by the characters' voices, through the real CLI: Alice's tea party (../shared/corpus)
 * online, against the fake chat model (it answers the attribution from the hand-labelled truth and
 * records the voice of every audio request), and offline with flite's voices (judged by the voice each
 * segment recorded in the book's manifest).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import type { PlanDocument } from '../../src/producer/plan-document.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { findQuotations } from '../../src/cast/find-quotations.js';
import { FAKE_MODELS, markedQuotations, startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';
import { scoreCast, TEA_PARTY_SPEAKERS, teaPartyText } from '../helpers/tea-party.js';

/** Whether a text holds anything but quotations: narration. */
const holdsNarration = (text: string): boolean => {
  let rest = '';
  let from = 0;
  for (const span of findQuotations(text)) {
    rest += text.slice(from, span.start);
    from = span.end;
  }
  return /[\p{L}\p{N}]/u.test(rest + text.slice(from));
};

describe('a cast reads the dialogue, end to end', () => {
  let dir: string;
  let fake: FakeModelServer;
  const prefix = testPrefix('e2e-cast');
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-cast-'));
    await writeFile(join(dir, 'tea-party.txt'), await teaPartyText());
    fake = await startFakeModel({
      apiKey: 'cast-key',
      models: [...FAKE_MODELS, 'gpt-4o-mini'],
      // The model attributes as the hand-labelled truth says, quotation by quotation.
      answerText: ({ text }) =>
        JSON.stringify({
          quotations: markedQuotations(text).map((q) => {
            const truth = TEA_PARTY_SPEAKERS[q.index];
            return { index: q.index, speaker: truth?.text === q.text && truth.speaker !== null ? truth.speaker : 'narrator' };
          }),
        }),
    });
    env = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'warn', NARRATE_API_KEY: 'cast-key', NARRATE_BASE_URL: fake.url };
  });
  afterAll(async () => {
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    await obliterateQueues(connection, bullPrefix(prefix));
    for (const key of await connection.keys(`${bullPrefix(prefix)}:cast:*`)) await connection.del(key);
    await connection.quit();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('online: the chat model attributes, each quotation is read by its speaker\'s voice, and a re-run makes no new call', async () => {
    const out = join(dir, 'out-online');
    const result = await runCli(['run', join(dir, 'tea-party.txt'), '--cast', 'auto', '--out', out, '--format', 'wav'], env, { timeoutMs: 300_000 });
    expect(result.code, result.stderr).toBe(0);
    const attributions = fake.calls.filter((c) => c.textMode === true);
    expect(attributions).toHaveLength(1); // one chapter with dialogue, one call
    expect(attributions[0]!.body).toMatchObject({ model: 'gpt-4o-mini', response_format: { type: 'json_schema' } });
    const report = JSON.parse(await readFile(join(out, 'tea-party.json'), 'utf8')) as BookReport;
    const narrator = report.cast!.find((m) => m.speaker === 'narrator')!.voice;
    const voiceOf = new Map(report.cast!.map((m) => [m.speaker, m.voice]));
    expect(narrator).toBe('alloy');
    // What the model was asked to read, and in which voice, as the fake recorded it.
    const audio = fake.calls.filter((c) => c.textMode !== true && c.status === 200);
    const labelled = TEA_PARTY_SPEAKERS.filter((q) => q.speaker !== null);
    const right = labelled.filter((q) => audio.some((c) => c.text.includes(q.text.slice(0, 40)) && c.voice === voiceOf.get(q.speaker!))).length;
    expect(right / labelled.length).toBeGreaterThanOrEqual(0.9);
    expect(audio.filter((c) => c.voice !== narrator && holdsNarration(c.text))).toEqual([]);
    // The manifest: the cast, and each chunk's speaker and the voice its segment was read with.
    expect(report.chunks.filter((c) => c.speaker !== undefined).every((c) => c.voice === voiceOf.get(c.speaker!))).toBe(true);
    expect(report.chunks.filter((c) => c.speaker === undefined).every((c) => c.voice === narrator)).toBe(true);
    expect(new Set(report.cast!.map((m) => m.voice)).size).toBe(report.cast!.length);

    const calls = fake.calls.length;
    const again = await runCli(['run', join(dir, 'tea-party.txt'), '--cast', 'auto', '--out', join(dir, 'out-again'), '--format', 'wav'], env, { timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(fake.calls.length - calls).toBe(0); // no attribution, no reading: both cached
  }, 600_000);

  it('offline: the text\'s cues attribute, flite\'s voices read, as the manifest\'s recorded voices show', async () => {
    const whole = await teaPartyText();
    // The first part of the chapter (up to "'Exactly so,' said Alice."): enough turns, a minute of flite's work.
    const excerpt = whole.slice(0, whole.indexOf("'Then you should say what you mean,'"));
    await writeFile(join(dir, 'tea-party-start.txt'), excerpt);
    const offline = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'warn' };
    const plan = await runCli(['plan', join(dir, 'tea-party-start.txt'), '--cast', '--json', '--out', join(dir, 'out-offline')], { ...offline, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(plan.code, plan.stderr).toBe(0);
    const planned = (JSON.parse(plan.stdout) as PlanDocument).books[0]!;
    const result = await runCli(['run', join(dir, 'tea-party-start.txt'), '--cast', '--out', join(dir, 'out-offline'), '--format', 'wav'], offline, { timeoutMs: 500_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'out-offline', 'tea-party-start.json'), 'utf8')) as BookReport;
    expect(report.provider).toBe('offline');
    const voiceOf = new Map(report.cast!.map((m) => [m.speaker, m.voice]));
    expect(voiceOf.get('narrator')).toBe('alloy'); // read by flite's rms
    expect(report.cast!.slice(1).every((m) => ['slt', 'awb', 'kal'].includes(m.voice))).toBe(true);
    // The plan's chunk texts (the plan is the book), with the voice each segment recorded.
    const texts = planned.chapters.flatMap((c) => c.chunks.map((k) => k.text));
    expect(texts).toHaveLength(report.chunks.length);
    const chunks = report.chunks.map((c, i) => ({ text: texts[i]!, voice: c.voice! }));
    const flat = excerpt.replace(/\s+/g, ' ');
    const inExcerpt = TEA_PARTY_SPEAKERS.slice(0, TEA_PARTY_SPEAKERS.findIndex((q) => !flat.includes(q.text.slice(0, 30))));
    expect(inExcerpt.length).toBeGreaterThan(15);
    const score = scoreCast(chunks, (s) => voiceOf.get(s), 'alloy', inExcerpt);
    expect(score.right / score.named).toBeGreaterThanOrEqual(0.9);
    expect(score.narrationByCharacter).toBe(0);
  }, 600_000);

  it('a chapter whose attribution fails its check twice is read by the narrator alone, with a warning', async () => {
    await writeFile(join(dir, 'short.txt'), `'Good morning,' said the Queen.\n\n'Good morning to you,' said Alice.\n`);
    fake.inject({ kind: 'transcript', transcript: 'not json', match: '[Q0]' }, { kind: 'transcript', transcript: '{"quotations":[]}', match: '[Q0]' });
    const before = fake.calls.filter((c) => c.textMode === true).length;
    const result = await runCli(['run', join(dir, 'short.txt'), '--cast', '--out', join(dir, 'out-short'), '--format', 'wav'], env, { timeoutMs: 200_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(fake.calls.filter((c) => c.textMode === true).length - before).toBe(2);
    expect(result.stderr).toMatch(/cast: chapter 1 "Short": the attribution by gpt-4o-mini failed its check 2 times \(quotation 0 is not attributed .*\): read by the narrator alone/);
    expect(result.stderr).not.toContain('cast-key');
    const report = JSON.parse(await readFile(join(dir, 'out-short', 'short.json'), 'utf8')) as BookReport;
    expect(report.chunks.every((c) => c.speaker === undefined && c.voice === 'alloy')).toBe(true);
  }, 300_000);

  it('plan --cast prints the cast; plan --json carries speaker and voice per chunk; a bad --cast is a usage error', async () => {
    const noRedis = { ...env, REDIS_URL: 'redis://127.0.0.1:1' };
    const text = await runCli(['plan', join(dir, 'tea-party.txt'), '--cast'], noRedis);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/cast \(by the text's cues; 4 speakers\):/);
    expect(text.stdout).toMatch(/\n\s+Alice\s+\w+\s+\d+\s+[\d.]+%/);
    expect(text.stdout).toMatch(/of which the cast's attribution with gpt-4o-mini: 1 call/);
    const json = JSON.parse((await runCli(['plan', join(dir, 'tea-party.txt'), '--cast', 'auto', '--json'], noRedis)).stdout) as PlanDocument;
    const chunks = json.books[0]!.chapters[0]!.chunks;
    expect(chunks.some((c) => c.speaker === 'Alice' && c.voice !== 'alloy')).toBe(true);
    expect(chunks.filter((c) => c.speaker === undefined).every((c) => c.voice === 'alloy')).toBe(true);
    expect(json.books[0]!.estimate.cost!.attribution).toMatchObject({ model: 'gpt-4o-mini', calls: 1 });
    const bad = await runCli(['plan', join(dir, 'tea-party.txt'), '--cast', 'everyone'], noRedis);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--cast: expected auto or off');
  });
});
