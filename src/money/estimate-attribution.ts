import { CHARS_PER_TOKEN } from './estimate-cost.js';
import type { ModelPrices } from './prices.js';

/** Tokens of the attribution's instructions (attributionInstructions without a cast: about 600 characters). */
const INSTRUCTION_TOKENS = 160;
/** Tokens a quotation adds: its two markers in the prompt ("[Q12]", "[/Q12]"). */
const MARKER_TOKENS_PER_QUOTATION = 6;
/** Tokens of one `{"index": 12, "speaker": "The March Hare"}` in the answer. */
const ANSWER_TOKENS_PER_QUOTATION = 14;

/** What attributing a book's quotations with the chat model is expected to cost. */
export interface AttributionEstimate {
  model: string;
  /** One per chapter with quotations (a chapter already attributed, cached, makes none). */
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/**
 * The attribution calls of a cast, priced: each chapter with quotations sent once (its text at
 * CHARS_PER_TOKEN, the instructions and the quotations' markers), the answer about 14 tokens a
 * quotation. Retries of a failed check are not counted: they are rare, and a retried chapter costs
 * the same again. Pure.
 */
export function estimateAttribution(cast: { chapters: number; chars: number; quotations: number }, model: string, prices: ModelPrices): AttributionEstimate {
  const inputTokens = cast.chapters * INSTRUCTION_TOKENS + Math.ceil(cast.chars / CHARS_PER_TOKEN) + cast.quotations * MARKER_TOKENS_PER_QUOTATION;
  const outputTokens = cast.quotations * ANSWER_TOKENS_PER_QUOTATION;
  const costUsd = (inputTokens * prices.textInputPerM + outputTokens * prices.textOutputPerM) / 1_000_000;
  return { model, calls: cast.chapters, inputTokens, outputTokens, costUsd };
}
