import type OpenAI from 'openai';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { wavHeader } from '../audio/write-wav.js';
import { AudioFormatError, NarrateError } from '../errors.js';
import type { AudioSpool } from '../store/audio-spool.js';
import type { WavFile } from '../store/wav-files.js';
import { classifyProviderError } from './classify-provider-error.js';
import type { ChatAudioOptions } from './chat-audio-narrator.js';
import { HttpTransport } from './http-transport.js';
import { asModelNotServed } from './model-not-served.js';
import type { NarrationRequest, NarrationResult, Narrator } from './narrator.js';
import type { TokenUsage } from '../contracts/token-usage.js';
import { openAiClient, transportFetch } from './openai-client.js';
import { speechInstructions, takesInstructions } from './speech-instructions.js';
import { SPEECH_MAX_INPUT_CHARS } from './speech-max-input.js';

/** Options of the speech narrator: the chat-audio narrator's (model: gpt-4o-mini-tts, tts-1, tts-1-hd...), and the audio format. */
export interface SpeechOptions extends ChatAudioOptions {
  /** response_format: wav (its header says its format) or pcm (raw 24 kHz 16-bit mono little-endian). */
  format: 'wav' | 'pcm';
}


/**
 * Audio tokens a second of speech is billed as, for gpt-4o-mini-tts, whose answer reports no usage:
 * OpenAI counts model audio at one token per 50 ms (its Realtime documentation), and its own
 * estimate of $0.015 a minute at $12 per million audio tokens gives about 21 a second.
 */
export const SPEECH_AUDIO_TOKENS_PER_SECOND = 20;

/** Characters per text token for the instructions and input of gpt-4o-mini-tts (OpenAI's rule of thumb). */
const CHARS_PER_TOKEN = 4;

/**
 * Narrates through POST {base}/audio/speech (OpenAI's text-to-speech endpoint): the audio comes
 * back as a binary body, streamed into the spool as it arrives. The endpoint returns no transcript,
 * so readings are checked by their duration only (see NarrationResult.transcribed), and no usage,
 * so the usage of a call is counted here: the characters sent (tts-1 and tts-1-hd are billed by
 * the character) and, for token-billed models, the input's text tokens and the audio's tokens.
 */
export class SpeechNarrator implements Narrator {
  readonly name = 'speech';
  readonly model: string;
  private readonly client: OpenAI;
  private readonly spool: AudioSpool;
  private readonly format: 'wav' | 'pcm';
  private readonly baseUrl: string;
  private readonly transport = new HttpTransport();

  constructor(options: SpeechOptions) {
    this.model = options.model;
    this.spool = options.spool;
    this.format = options.format;
    this.baseUrl = options.baseUrl;
    // node:http as for chat-audio (see HttpTransport); the binary body reaches us as a stream.
    this.client = openAiClient({ ...options, fetch: transportFetch(this.transport) });
  }

  /** What a tokens-per-minute limit counts: the input's and instructions' text tokens. */
  reservedTokens(request: NarrationRequest): number {
    return Math.ceil(((this.instructionsFor(request)?.length ?? 0) + request.text.length) / CHARS_PER_TOKEN);
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  async narrate(request: NarrationRequest): Promise<NarrationResult> {
    const characters = [...request.text].length;
    if (characters > SPEECH_MAX_INPUT_CHARS) {
      throw new NarrateError(`a chunk of ${characters} characters is over the ${SPEECH_MAX_INPUT_CHARS} the speech endpoint reads in one call: lower --max-chars`, { retryable: false });
    }
    const instructions = this.instructionsFor(request);
    let response: Response;
    try {
      response = await this.client.audio.speech.create(
        { model: this.model, input: request.text, voice: request.voice, response_format: this.format, ...(instructions === undefined ? {} : { instructions }) },
        request.signal ? { signal: request.signal } : {},
      );
    } catch (error) {
      throw asModelNotServed(classifyProviderError(error), error, { model: this.model, baseUrl: this.baseUrl, provider: 'speech' });
    }
    const audio = await this.spoolAudio(response);
    return { audio, transcript: '', transcribed: false, finishReason: 'stop', usage: speechUsage(characters, instructions, request.text, audio.durationMs) };
  }

  /** The `instructions` sent with this request, if the model takes any. */
  private instructionsFor(request: NarrationRequest): string | undefined {
    if (!takesInstructions(this.model)) return undefined;
    return speechInstructions(request);
  }

  /** Streams the body into a canonical spool WAV (a pcm body gets the book format's header first). */
  private async spoolAudio(response: Response): Promise<WavFile> {
    const type = response.headers.get('content-type') ?? '';
    if (/json|text|html/i.test(type)) {
      const body = (await response.text()).replace(/\s+/g, ' ').slice(0, 120);
      throw new AudioFormatError(`provider answered ${type} instead of audio: ${body}`);
    }
    const writer = await this.spool.writer();
    try {
      if (this.format === 'pcm') {
        // Raw samples: a streaming header (sizes unknown) that the writer patches at the end.
        const header = wavHeader(BOOK_FORMAT, 0);
        header.writeUInt32LE(0xffffffff, 4);
        header.writeUInt32LE(0xffffffff, 40);
        await writer.write(header);
      }
      if (response.body) {
        for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
          await writer.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
        }
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return writer.end();
  }
}

/** The usage of one call, counted here since the endpoint reports none. */
function speechUsage(characters: number, instructions: string | undefined, text: string, durationMs: number): TokenUsage {
  const promptTokens = Math.ceil(((instructions?.length ?? 0) + text.length) / CHARS_PER_TOKEN);
  const audioTokens = Math.round((durationMs / 1000) * SPEECH_AUDIO_TOKENS_PER_SECOND);
  return { promptTokens, completionTokens: audioTokens, totalTokens: promptTokens + audioTokens, audioOutputTokens: audioTokens, textOutputTokens: 0, characters };
}
