/**
 * The speech endpoint (POST /v1/audio/speech) and the model checks, against the fake model on
 * loopback speaking the real wire format: what the SDK sends, what lands in the spool, how a
 * reading without a transcript is judged, and what a model the server does not serve does.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '../../src/audio/parse-wav.js';
import { dominantFrequency } from '../../src/audio/dominant-frequency.js';
import { BOOK_FORMAT } from '../../src/audio/wav-format.js';
import { ConfigError } from '../../src/errors.js';
import { ChatAudioNarrator } from '../../src/providers/chat-audio-narrator.js';
import { checkModelServed } from '../../src/providers/check-model.js';
import { ModelNotServedError } from '../../src/providers/model-not-served.js';
import { SpeechNarrator } from '../../src/providers/speech-narrator.js';
import { stopAfterModelNotServed } from '../../src/providers/stop-after-model-not-served.js';
import { AudioSpool } from '../../src/store/audio-spool.js';
import { narrateChunk } from '../../src/worker/narrate-chunk.js';
import { startFakeModel, type FakeModelOptions, type FakeModelServer } from '../helpers/fake-model-server.js';

const TEXT = 'The lamp burned low. She turned the page and read on, past midnight, to the end of the chapter.';

describe('the speech endpoint and model checks against the fake', () => {
  let dir: string;
  let spool: AudioSpool;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-speech-'));
    spool = new AudioSpool(join(dir, 'spool'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function fake(options: FakeModelOptions = {}): Promise<FakeModelServer> {
    const server = await startFakeModel(options);
    open.push(server);
    return server;
  }

  function speech(server: FakeModelServer, model: string, format: 'wav' | 'pcm' = 'wav'): SpeechNarrator {
    const narrator = new SpeechNarrator({ apiKey: 'test-key', baseUrl: server.url, model, timeoutMs: 5_000, spool, format });
    open.push(narrator);
    return narrator;
  }

  it.each(['wav', 'pcm'] as const)('streams a %s answer into the spool as a canonical WAV in the book format, with the request the SDK sends', async (format) => {
    const server = await fake();
    const result = await speech(server, 'gpt-4o-mini-tts', format).narrate({ text: TEXT, voice: 'coral', instructions: 'unused by this endpoint', style: 'warm and unhurried', language: 'fr' });
    const call = server.calls.at(-1)!;
    expect(call.endpoint).toBe('speech');
    expect(call.body).toEqual({ model: 'gpt-4o-mini-tts', input: TEXT, voice: 'coral', response_format: format, instructions: expect.stringContaining('Voice and style: warm and unhurried.') });
    expect(call.system).toMatch(/The text is in French \(fr\)/);
    const wav = await readFile(result.audio!.path);
    const { format: got, data } = parseWav(wav);
    expect(got).toEqual(BOOK_FORMAT);
    // The canonical header has true sizes, whatever the stream said.
    expect(wav.readUInt32LE(40)).toBe(data.length);
    expect(result.audio!.durationMs).toBeCloseTo((TEXT.length / 15) * 1000, -2);
    expect(dominantFrequency(data, 24_000)).toBeCloseTo(440, 0);
    expect(result.transcribed).toBe(false);
    expect(result.transcript).toBe('');
    expect(result.usage.characters).toBe(TEXT.length);
    expect(result.usage.audioOutputTokens).toBe(Math.round((result.audio!.durationMs / 1000) * 20));
    await spool.discard(result.audio!.path);
  });

  it('sends no instructions to tts-1 and tts-1-hd, which do not take them', async () => {
    const server = await fake();
    for (const model of ['tts-1', 'tts-1-hd']) {
      const result = await speech(server, model).narrate({ text: TEXT, voice: 'alloy', instructions: 'x', style: 'warm' });
      await spool.discard(result.audio?.path);
      expect(server.calls.at(-1)!.body).toEqual({ model, input: TEXT, voice: 'alloy', response_format: 'wav' });
    }
  });

  it('judges a reading without a transcript by its duration: a cut-short one is turned down and read again', async () => {
    const server = await fake();
    server.inject({ kind: 'cut' });
    const reading = await narrateChunk(TEXT, { narrator: speech(server, 'gpt-4o-mini-tts'), spool, voice: 'alloy', style: 'calm' });
    expect(server.calls.map((c) => c.outcome)).toEqual(['cut', 'read']);
    expect(reading.rejections).toEqual([expect.objectContaining({ reason: 'duration' })]);
    expect(reading.checkedBy).toBe('duration');
    expect(reading.similarity).toBe(1);
    expect(reading.usage.characters).toBe(2 * TEXT.length);
    await spool.discard(reading.audio.path);
  });

  it('refuses a chunk over 4096 characters without a call', async () => {
    const server = await fake();
    await expect(speech(server, 'tts-1').narrate({ text: 'word '.repeat(900), voice: 'alloy', instructions: '' })).rejects.toThrowError(/4500 characters is over the 4096 the speech endpoint reads in one call: lower --max-chars/);
    expect(server.calls).toHaveLength(0);
  });

  it('takes an answer that is not audio for a fault, not for samples', async () => {
    const server = await fake();
    server.inject({ kind: 'non-audio' });
    await expect(speech(server, 'gpt-4o-mini-tts', 'pcm').narrate({ text: TEXT, voice: 'alloy', instructions: '' })).rejects.toThrowError(/provider answered application\/json instead of audio/);
    // Nothing of it stays in the spool.
    expect((await readdir(join(dir, 'spool')).catch(() => [])).filter((f) => f.endsWith('.wav'))).toEqual([]);
  });

  it.each([
    ['speech', (s: FakeModelServer) => new SpeechNarrator({ apiKey: 'test-key', baseUrl: s.url, model: 'gpt-5-tts', timeoutMs: 5_000, spool, format: 'wav' })],
    ['chat-audio', (s: FakeModelServer) => new ChatAudioNarrator({ apiKey: 'test-key', baseUrl: s.url, model: 'gpt-5-tts', timeoutMs: 5_000, spool })],
  ] as const)('%s: a model the server does not serve fails after one call, naming NARRATE_MODEL, the base URL and what to set instead; no call follows', async (provider, make) => {
    const server = await fake();
    const inner = make(server);
    open.push(inner);
    const narrator = stopAfterModelNotServed(inner);
    const first = await narrator.narrate({ text: TEXT, voice: 'alloy', instructions: 'Read.' }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ModelNotServedError);
    expect((first as Error).message).toMatch(new RegExp(`^NARRATE_MODEL=gpt-5-tts is not served by ${server.url.replace(/[.]/g, '\\.')} \\(404: The model \`gpt-5-tts\` does not exist.*\\): set NARRATE_MODEL to a ${provider} model it serves`));
    expect((first as ModelNotServedError).retryable).toBe(false);
    await expect(narrator.narrate({ text: 'Another chunk.', voice: 'alloy', instructions: 'Read.' })).rejects.toBe(first);
    expect(server.calls).toHaveLength(1);
  });

  describe('checkModelServed', () => {
    const config = (url: string, model: string, provider: 'chat-audio' | 'speech' = 'chat-audio', apiKey = 'test-key') => ({ provider, apiKey, baseUrl: url, model, requestTimeoutMs: 5_000 });

    it('asks GET /models/{model} once and finds a served model (or its dated snapshot)', async () => {
      const server = await fake();
      expect(await checkModelServed(config(server.url, 'gpt-audio'))).toEqual({ served: true, by: 'GET /models/{model}' });
      expect(server.modelRequests).toEqual(['/v1/models/gpt-audio']);
      expect(server.calls).toHaveLength(0);
    });

    it('stops with a ConfigError naming NARRATE_MODEL, the base URL and the models the server lists', async () => {
      const server = await fake({ models: ['gpt-audio-mini', 'tts-1', 'whisper-1'] });
      const error = await checkModelServed(config(server.url, 'gpt-audio')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(
        `NARRATE_MODEL=gpt-audio is not served by ${server.url} (404: The model \`gpt-audio\` does not exist or you do not have access to it.): ` +
          'set NARRATE_MODEL to a chat-audio model it serves (it lists gpt-audio-mini), NARRATE_BASE_URL to a server that serves this one, or NARRATE_PROVIDER=speech if it is a speech model',
      );
    });

    it('falls back to GET /models where a server has no /models/{model}', async () => {
      const server = await fake({ modelRoutes: 'list', models: ['gpt-4o-mini-tts-2025-12-15', 'kokoro'] });
      expect(await checkModelServed(config(server.url, 'gpt-4o-mini-tts', 'speech'))).toEqual({ served: true, by: 'GET /models' });
      const error = await checkModelServed(config(server.url, 'tts-1', 'speech')).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/^NARRATE_MODEL=tts-1 is not served by .* \(GET \/models lists 2 models, not this one\): set NARRATE_MODEL to a speech model it serves \(it lists gpt-4o-mini-tts-2025-12-15\)/);
      expect(server.modelRequests).toEqual(['/v1/models/gpt-4o-mini-tts', '/v1/models', '/v1/models/tts-1', '/v1/models']);
    });

    it('goes on with a warning when the server answers neither route, or refuses the key there (never showing it)', async () => {
      const bare = await fake({ modelRoutes: 'none' });
      const unknown = await checkModelServed(config(bare.url, 'gpt-audio'));
      expect(unknown).toMatchObject({ served: undefined, warning: expect.stringMatching(/^could not check that .* serves NARRATE_MODEL=gpt-audio \(GET \/models\/gpt-audio: 404 .*GET \/models: 404 .*\); going on/) });
      // A key restricted to inference is refused on /models and still reads: no stop.
      const refused = await checkModelServed(config(bare.url, 'gpt-audio', 'chat-audio', 'sk-wrong-key'));
      expect(refused).toMatchObject({ served: undefined, warning: expect.stringMatching(/GET \/models\/gpt-audio: 401 Incorrect API key provided/) });
      expect(JSON.stringify(refused)).not.toContain('sk-wrong-key');
      // Offline asks nobody.
      expect(await checkModelServed({ ...config(bare.url, 'x'), provider: 'offline' })).toEqual({ served: true, by: 'offline' });
    });
  });
});
