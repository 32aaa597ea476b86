import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { callCostUsd } from '../../../src/money/call-cost.js';
import { AUDIO_TOKENS_PER_SECOND, EXPECTED_EXTRA_READINGS, estimateCost } from '../../../src/money/estimate-cost.js';
import { DEFAULT_PRICES, loadPrices, pricesFor } from '../../../src/money/prices.js';
import { classifyProviderError } from '../../../src/providers/classify-provider-error.js';
import { modelNotServedMessage, notServedReason } from '../../../src/providers/model-not-served.js';
import { speechInstructions, takesInstructions } from '../../../src/providers/speech-instructions.js';

describe('NARRATE_PROVIDER', () => {
  it('defaults to chat-audio with a key and offline without, each with its default model', () => {
    expect(loadConfig({})).toMatchObject({ provider: 'offline', model: 'gpt-4o-audio-preview' });
    expect(loadConfig({ NARRATE_API_KEY: 'k' })).toMatchObject({ provider: 'chat-audio', model: 'gpt-4o-audio-preview' });
    expect(loadConfig({ NARRATE_API_KEY: 'k', NARRATE_PROVIDER: 'speech' })).toMatchObject({ provider: 'speech', model: 'gpt-4o-mini-tts', speechFormat: 'wav' });
    expect(loadConfig({ NARRATE_API_KEY: 'k', NARRATE_PROVIDER: 'offline' })).toMatchObject({ provider: 'offline' });
    expect(loadConfig({ NARRATE_API_KEY: 'k', NARRATE_MODEL: 'gpt-audio' })).toMatchObject({ provider: 'chat-audio', model: 'gpt-audio' });
    expect(loadConfig({ NARRATE_API_KEY: 'k', NARRATE_PROVIDER: 'speech', NARRATE_SPEECH_FORMAT: 'PCM' })).toMatchObject({ speechFormat: 'pcm' });
  });

  it('names the variable for a bad value, and wants a key for an online provider without echoing it', () => {
    expect(() => loadConfig({ NARRATE_PROVIDER: 'elevenlabs' })).toThrowError(/NARRATE_PROVIDER: expected one of offline, chat-audio, speech, got "elevenlabs"/);
    expect(() => loadConfig({ NARRATE_API_KEY: 'k', NARRATE_PROVIDER: 'speech', NARRATE_SPEECH_FORMAT: 'mp3' })).toThrowError(/NARRATE_SPEECH_FORMAT: expected wav or pcm, got "mp3"/);
    expect(() => loadConfig({ NARRATE_PROVIDER: 'speech' })).toThrowError(ConfigError);
    expect(() => loadConfig({ NARRATE_PROVIDER: 'chat-audio' })).toThrowError(/NARRATE_PROVIDER=chat-audio: expected NARRATE_API_KEY to be set/);
  });

  it('catches a model sent to the wrong endpoint before any call', () => {
    expect(() => loadConfig({ NARRATE_API_KEY: 'sk-x', NARRATE_MODEL: 'tts-1-hd' })).toThrowError(/NARRATE_MODEL=tts-1-hd is a text-to-speech model .*set NARRATE_PROVIDER=speech/);
    expect(() => loadConfig({ NARRATE_API_KEY: 'sk-x', NARRATE_PROVIDER: 'speech', NARRATE_MODEL: 'gpt-audio-mini' })).toThrowError(/NARRATE_MODEL=gpt-audio-mini is a chat-audio model .*set NARRATE_PROVIDER=chat-audio/);
    // Models of other servers are theirs to judge.
    expect(loadConfig({ NARRATE_API_KEY: 'sk-x', NARRATE_PROVIDER: 'speech', NARRATE_MODEL: 'kokoro' }).model).toBe('kokoro');
  });
});

describe('prices of the models people use now', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'narrate-prices-'))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('has a row for each chat-audio and speech model, and snapshots and successors find their family', () => {
    expect(pricesFor(DEFAULT_PRICES, 'gpt-audio')).toEqual({ textInputPerM: 2.5, textOutputPerM: 10, audioOutputPerM: 64 });
    expect(pricesFor(DEFAULT_PRICES, 'gpt-audio-2025-08-28')).toEqual(DEFAULT_PRICES['gpt-audio']);
    expect(pricesFor(DEFAULT_PRICES, 'gpt-audio-1.5')).toEqual(DEFAULT_PRICES['gpt-audio']);
    expect(pricesFor(DEFAULT_PRICES, 'gpt-audio-mini-2025-12-15')).toEqual({ textInputPerM: 0.6, textOutputPerM: 2.4, audioOutputPerM: 20 });
    expect(pricesFor(DEFAULT_PRICES, 'gpt-4o-mini-tts-2025-12-15')).toMatchObject({ textInputPerM: 0.6, audioOutputPerM: 12 });
    expect(pricesFor(DEFAULT_PRICES, 'tts-1').charactersPerM).toBe(15);
    expect(pricesFor(DEFAULT_PRICES, 'tts-1-hd').charactersPerM).toBe(30);
    // An unknown model is priced as its provider's default model.
    expect(pricesFor(DEFAULT_PRICES, 'kokoro', 'speech')).toEqual(DEFAULT_PRICES['gpt-4o-mini-tts']);
    expect(pricesFor(DEFAULT_PRICES, 'some-audio-model')).toEqual(DEFAULT_PRICES['gpt-4o-audio-preview']);
  });

  it('costs tts-1 by the characters sent and gpt-4o-mini-tts by its tokens', () => {
    const usage = { promptTokens: 250, completionTokens: 1_200, totalTokens: 1_450, audioOutputTokens: 1_200, textOutputTokens: 0, characters: 1_000 };
    expect(callCostUsd(usage, pricesFor(DEFAULT_PRICES, 'tts-1'))).toBeCloseTo((1_000 * 15) / 1e6, 12);
    expect(callCostUsd(usage, pricesFor(DEFAULT_PRICES, 'tts-1-hd'))).toBeCloseTo((1_000 * 30) / 1e6, 12);
    expect(callCostUsd(usage, pricesFor(DEFAULT_PRICES, 'gpt-4o-mini-tts'))).toBeCloseTo((250 * 0.6 + 1_200 * 12) / 1e6, 12);
  });

  it('estimates the speech endpoint without a transcript, by characters for tts-1', () => {
    const chunks = [{ text: 'x'.repeat(1_500), style: 'calm' }];
    const factor = 1 + EXPECTED_EXTRA_READINGS;
    const tts1 = estimateCost(chunks, pricesFor(DEFAULT_PRICES, 'tts-1'), { provider: 'speech', model: 'tts-1' });
    expect(tts1.textOutputTokens).toBe(0);
    expect(tts1.characters).toBe(Math.round(1_500 * factor));
    expect(tts1.costUsd).toBeCloseTo((tts1.characters * 15) / 1e6, 12);
    const mini = estimateCost(chunks, pricesFor(DEFAULT_PRICES, 'gpt-4o-mini-tts'), { provider: 'speech', model: 'gpt-4o-mini-tts' });
    expect(mini.audioOutputTokens).toBe(Math.round(100 * AUDIO_TOKENS_PER_SECOND * factor));
    // Its instructions are the style alone, far shorter than the chat model's system message.
    const chat = estimateCost(chunks, pricesFor(DEFAULT_PRICES, 'gpt-audio'), { provider: 'chat-audio', model: 'gpt-audio' });
    expect(mini.inputTokens).toBeLessThan(chat.inputTokens);
    expect(mini.costUsd).toBeCloseTo((mini.inputTokens * 0.6 + mini.audioOutputTokens * 12) / 1e6, 12);
  });

  it('reads a per-character row from NARRATE_PRICES, and refuses a row that is neither kind', async () => {
    const file = join(dir, 'p.json');
    await writeFile(file, JSON.stringify({ 'tts-1': { charactersPerM: 7.5 }, 'my-tts': { textInputPerM: 1, textOutputPerM: 0, audioOutputPerM: 5 } }));
    expect(pricesFor(loadPrices(file), 'tts-1')).toEqual({ textInputPerM: 0, textOutputPerM: 0, audioOutputPerM: 0, charactersPerM: 7.5 });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ 'tts-1': { textInputPerM: 1 } }));
    expect(() => loadPrices(bad)).toThrowError(/NARRATE_PRICES: .*bad\.json: not a price table: tts-1: textInputPerM, textOutputPerM and audioOutputPerM .*or charactersPerM alone/);
  });
});

describe('a model the provider does not serve', () => {
  const apiError = (status: number, message: string, code: string | null = null) => APIError.generate(status, { error: { message, type: 'invalid_request_error', param: null, code } }, undefined, new Headers());

  it('is told from other refusals by its code or its words', () => {
    expect(notServedReason(apiError(404, 'The model `gpt-5-audio` does not exist or you do not have access to it.', 'model_not_found'), 'gpt-5-audio')).toMatch(/^404: The model/);
    expect(notServedReason(apiError(403, 'Project does not have access to model `gpt-audio`', 'model_not_found'), 'gpt-audio')).toBeDefined();
    expect(notServedReason(apiError(400, 'The model `gpt-4o-audio-preview-2024-10-01` has been deprecated.'), 'gpt-4o-audio-preview-2024-10-01')).toMatch(/deprecated/);
    expect(notServedReason(apiError(404, 'Model not found'), 'x')).toBeDefined();
    // Through narrate's own error, as the narrators see it.
    expect(notServedReason(classifyProviderError(apiError(404, 'no', 'model_not_found')), 'x')).toBeDefined();
    // Not about the model: a missing route, a bad voice, a bad key, an outage.
    expect(notServedReason(new NotFoundError(404, { message: 'Unknown request URL: POST /v1/audio/speech.' }, undefined, new Headers()), 'tts-1')).toBeUndefined();
    expect(notServedReason(apiError(400, "Voice 'bob' is not supported by this model."), 'tts-1')).toBeUndefined();
    expect(notServedReason(apiError(401, 'model not found'), 'x')).toBeUndefined();
    expect(notServedReason(apiError(503, 'The model is not available right now'), 'x')).toBeUndefined();
  });

  it('gets a message naming NARRATE_MODEL, the base URL and what to set instead', () => {
    const message = modelNotServedMessage({ model: 'gpt-5-audio', baseUrl: 'http://127.0.0.1:1/v1', provider: 'chat-audio', reason: '404: gone' });
    expect(message).toMatch(/^NARRATE_MODEL=gpt-5-audio is not served by http:\/\/127\.0\.0\.1:1\/v1 \(404: gone\): set NARRATE_MODEL to a chat-audio model it serves \(e\.g\. gpt-audio, gpt-audio-mini, gpt-4o-audio-preview\)/);
    const listed = modelNotServedMessage({ model: 'tts-2', baseUrl: 'http://h/v1', provider: 'speech', reason: 'r', served: ['whisper-1', 'kokoro-tts', 'gpt-4o-mini-transcribe', 'gpt-4o'] });
    expect(listed).toContain('(it lists kokoro-tts)');
  });
});

describe('the speech endpoint\'s instructions', () => {
  it('say how to speak (style, language, pronunciations), never what to say, and go only to models that take them', () => {
    expect(speechInstructions({ style: 'warm and unhurried' })).toBe('Voice and style: warm and unhurried.');
    expect(speechInstructions({ style: '', language: 'fr' })).toMatch(/The text is in French \(fr\)/);
    expect(speechInstructions({ style: '' })).toBeUndefined();
    expect(speechInstructions({ style: 'calm', hints: '山路 = やまみち' })).toContain('Pronunciation: 山路 = やまみち.');
    expect(takesInstructions('gpt-4o-mini-tts')).toBe(true);
    expect(takesInstructions('tts-1')).toBe(false);
    expect(takesInstructions('tts-1-hd-1106')).toBe(false);
  });
});
