import { speechInstructions, takesInstructions } from '../providers/speech-instructions.js';
import { DEFAULT_CHARS_PER_SECOND } from '../verify/expected-duration.js';
import { narrationInstructions } from '../providers/narration-instructions.js';
import type { SynthesizeJobData } from '../contracts/job-data.js';
import { callCostUsd } from './call-cost.js';
import type { ModelPrices } from './prices.js';

/**
 * Audio output tokens per second of speech. The reference response for gpt-4o-audio-preview
 * (../shared/reference/gpt-4o-audio-preview.md) bills 33 audio tokens for "Hi there! How's it
 * going?", about 1.6 s of speech, and OpenAI's Realtime documentation counts assistant audio at one
 * token per 50 ms: both give 20 a second. (The fake model in test/ bills 10 a second; it is not a
 * price reference.)
 */
export const AUDIO_TOKENS_PER_SECOND = 20;

/** Characters per text token for English prose: OpenAI's own rule of thumb (a token is about four characters). */
export const CHARS_PER_TOKEN = 4;

/**
 * Readings the verbatim check is expected to add per chunk, as a share of the first: 0.1 means one
 * chunk in ten is read twice. An assumption, not a measurement of the real model (it cannot be
 * reached from here): `npm run bench:fidelity` shows what a given rejection rate costs in calls.
 */
export const EXPECTED_EXTRA_READINGS = 0.1;

/** What a book is expected to cost before it is narrated. */
export interface CostEstimate {
  /** Model calls, retries of the verbatim check included (rounded up). */
  calls: number;
  /** Prompt tokens: instructions and text of every reading. */
  inputTokens: number;
  /** Transcript tokens the model returns with its audio. */
  textOutputTokens: number;
  audioOutputTokens: number;
  /** Characters of text sent, readings of the verbatim check included (what tts-1 and tts-1-hd bill). */
  characters: number;
  /** Seconds of speech expected. */
  audioSeconds: number;
  costUsd: number;
}

/** A chunk as the estimate reads it: its text, and what decides its instructions. */
export type EstimatedChunk = Pick<SynthesizeJobData, 'text' | 'style'> & { language?: string | undefined; hints?: string | undefined };

/** Which endpoint the estimate is for, and its model (whether it takes instructions). */
export interface EstimateOptions {
  /** Default chat-audio. The speech endpoint sends no system message and returns no transcript. */
  provider?: 'chat-audio' | 'speech' | 'offline';
  /** The model priced; decides for the speech endpoint whether instructions are sent. */
  model?: string;
}

/**
 * Estimates a book from its chunks: audio tokens from the expected duration (DEFAULT_CHARS_PER_SECOND
 * of text a second, AUDIO_TOKENS_PER_SECOND tokens a second of speech), instruction and text tokens
 * at CHARS_PER_TOKEN, the transcript as long as the text (none from the speech endpoint), the
 * characters sent, all times 1 + EXPECTED_EXTRA_READINGS; priced by the token or the character as
 * the model is. Pure.
 */
export function estimateCost(chunks: readonly EstimatedChunk[], prices: ModelPrices, options: EstimateOptions = {}): CostEstimate {
  const speech = options.provider === 'speech';
  // The instructions each call would send, built as the reading builds them (language and hints included).
  const instructionsOf = (c: EstimatedChunk): string =>
    speech ? (takesInstructions(options.model ?? '') ? (speechInstructions(c) ?? '') : '') : narrationInstructions(c);
  let input = 0;
  let textOut = 0;
  let seconds = 0;
  let chars = 0;
  const instructionTokens = new Map<string, number>();
  for (const c of chunks) {
    const same = `${c.style}\u0000${c.language ?? ''}\u0000${c.hints ?? ''}`;
    let inst = instructionTokens.get(same);
    if (inst === undefined) {
      inst = Math.ceil(instructionsOf(c).length / CHARS_PER_TOKEN);
      instructionTokens.set(same, inst);
    }
    input += inst + Math.ceil(c.text.length / CHARS_PER_TOKEN);
    if (!speech) textOut += Math.ceil(c.text.length / CHARS_PER_TOKEN);
    seconds += c.text.length / DEFAULT_CHARS_PER_SECOND;
    chars += [...c.text].length;
  }
  const factor = 1 + EXPECTED_EXTRA_READINGS;
  const inputTokens = Math.round(input * factor);
  const textOutputTokens = Math.round(textOut * factor);
  const audioOutputTokens = Math.round(seconds * AUDIO_TOKENS_PER_SECOND * factor);
  const characters = Math.round(chars * factor);
  const costUsd = callCostUsd(
    { promptTokens: inputTokens, completionTokens: textOutputTokens + audioOutputTokens, totalTokens: 0, audioOutputTokens, textOutputTokens, characters },
    prices,
  );
  return { calls: Math.ceil(chunks.length * factor), inputTokens, textOutputTokens, audioOutputTokens, characters, audioSeconds: Math.round(seconds), costUsd };
}

/** Dollars as people read them: cents from a dollar up, four places below, two significant digits under a hundredth of a cent. */
export function formatUsd(usd: number): string {
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd === 0 || usd >= 0.0001) return `$${usd.toFixed(4)}`;
  return `$${usd.toPrecision(2)}`;
}

/** Speech time as people read it: seconds under two minutes, else minutes. */
export function formatSpeech(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}
