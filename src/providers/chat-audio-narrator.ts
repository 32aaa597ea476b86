import OpenAI from 'openai';
import { AudioFormatError } from '../errors.js';
import type { AudioSpool } from '../store/audio-spool.js';
import { SPOOL_PREFIX, audioSpoolFetch, readSpooledAudio } from './audio-spool-fetch.js';
import { classifyProviderError } from './classify-provider-error.js';
import { HttpTransport } from './http-transport.js';
import { asModelNotServed } from './model-not-served.js';
import { openAiClient, type OpenAiClientOptions } from './openai-client.js';
import type { NarrationRequest, NarrationResult, Narrator } from './narrator.js';

/** Options of the chat-audio narrator (and, with its format, of the speech narrator). */
export interface ChatAudioOptions extends Omit<OpenAiClientOptions, 'fetch'> {
  /** Default gpt-4o-audio-preview. */
  model: string;
  /** Where audio is written as it arrives. */
  spool: AudioSpool;
}

/**
 * OpenAI's guidance for its audio models keeps temperature at or above 0.6 (the realtime API's
 * minimum); the lowest allowed value keeps the reading closest to the text.
 */
const AUDIO_TEMPERATURE = 0.6;

/** Tokens of the message framing (roles, separators) on top of the two messages' text. */
const PER_REQUEST_TOKENS = 10;

/**
 * Narrates through POST {base}/chat/completions with modalities text+audio, as the model's
 * reference page shows. Retries are BullMQ's job (maxRetries: 0 here), so a failed attempt is
 * visible, counted and backed off fleet-wide.
 */
export class ChatAudioNarrator implements Narrator {
  readonly name = 'chat-audio';
  readonly model: string;
  private readonly client: OpenAI;
  private readonly spool: AudioSpool;
  private readonly baseUrl: string;
  private readonly transport = new HttpTransport();

  constructor(options: ChatAudioOptions) {
    this.model = options.model;
    this.spool = options.spool;
    this.baseUrl = options.baseUrl;
    // The SDK's requests go out through node:http (see HttpTransport), audio straight to the spool.
    this.client = openAiClient({ ...options, fetch: audioSpoolFetch(options.spool, this.transport) });
  }

  /**
   * What OpenAI's limiter counts for a request, before it runs: the prompt estimated from its
   * characters (about 4 to a token, plus a little per message) and the whole of max_tokens.
   */
  reservedTokens(request: NarrationRequest): number {
    return Math.ceil((request.instructions.length + request.text.length) / 4) + PER_REQUEST_TOKENS + maxTokensFor(request.text);
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  async narrate(request: NarrationRequest): Promise<NarrationResult> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.model,
          modalities: ['text', 'audio'],
          audio: { voice: request.voice as 'alloy', format: 'wav' },
          temperature: AUDIO_TEMPERATURE,
          max_tokens: maxTokensFor(request.text),
          messages: [
            { role: 'system', content: request.instructions },
            { role: 'user', content: request.text },
          ],
        },
        request.signal ? { signal: request.signal } : {},
      );
    } catch (error) {
      // A model the provider does not serve fails the book at once, naming what to set instead.
      throw asModelNotServed(classifyProviderError(error), error, { model: this.model, baseUrl: this.baseUrl, provider: 'chat-audio' });
    }
    return readCompletion(completion, this.spool);
  }
}

/**
 * Room for the audio of `text`: audio tokens run at roughly 10 per second of speech and speech at
 * about 15 characters a second, so 1 token per character plus a margin covers a slow reading
 * without letting a runaway answer go on for minutes.
 */
export function maxTokensFor(text: string): number {
  return Math.min(16_384, 1_000 + 2 * text.length);
}

/**
 * Pulls audio and transcript out of a completion; a body without audio is a retryable fault.
 * The audio is normally already spooled by audioSpoolFetch; base64 that was not is spooled here.
 */
export async function readCompletion(completion: unknown, spool: AudioSpool): Promise<NarrationResult> {
  const c = completion as Partial<OpenAI.Chat.Completions.ChatCompletion> | null;
  const choice = c && Array.isArray(c.choices) ? c.choices[0] : undefined;
  if (!choice || typeof choice !== 'object') {
    throw new AudioFormatError(`provider answered without a completion choice: ${preview(completion)}`);
  }
  const message = choice.message;
  const refusal = message?.refusal ?? undefined;
  const audio = message?.audio;
  if (!audio || typeof audio.data !== 'string' || audio.data === '') {
    if (refusal) {
      return { transcript: '', finishReason: choice.finish_reason ?? 'refusal', refusal, usage: usageOf(c) };
    }
    throw new AudioFormatError(`provider answered without audio (finish_reason ${String(choice.finish_reason)})`);
  }
  const wav = audio.data.startsWith(SPOOL_PREFIX) ? readSpooledAudio(audio.data) : await spool.fromBuffer(Buffer.from(audio.data, 'base64'));
  return {
    audio: wav,
    transcript: audio.transcript ?? '',
    finishReason: choice.finish_reason ?? 'stop',
    ...(refusal ? { refusal } : {}),
    usage: usageOf(c),
  };
}

function usageOf(c: Partial<OpenAI.Chat.Completions.ChatCompletion> | null): NarrationResult['usage'] {
  const u = c?.usage;
  const usage: NarrationResult['usage'] = { promptTokens: u?.prompt_tokens ?? 0, completionTokens: u?.completion_tokens ?? 0, totalTokens: u?.total_tokens ?? 0 };
  // Audio output costs about 8x text output: keep the split the provider reports, for the price of a call.
  const details = u?.completion_tokens_details as { audio_tokens?: number; text_tokens?: number } | undefined | null;
  if (typeof details?.audio_tokens === 'number') usage.audioOutputTokens = details.audio_tokens;
  if (typeof details?.text_tokens === 'number') usage.textOutputTokens = details.text_tokens;
  return usage;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
