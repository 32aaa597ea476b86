import { DEFAULT_CHARS_PER_SECOND } from '../verify/expected-duration.js';
import type { BookPlan } from '../contracts/book-plan.js';
import type { AttributionEstimate } from '../money/estimate-attribution.js';

/**
 * What a book (or a batch) will take, known before anything is bought. Other estimates (tokens,
 * cost) are added as fields beside these; these keep their names, `narrate plan --json` prints them.
 */
export interface PlanEstimate {
  /** Characters sent to the model, spaces included (as the manifest's `chars` counts them). */
  characters: number;
  /** Chunks: one model call each. */
  chunks: number;
  /** Model calls when every reading is accepted the first time: the floor; rejected readings add more. */
  modelCalls: number;
  /** Minutes of speech at the pace the duration check assumes (DEFAULT_CHARS_PER_SECOND), pauses not counted. */
  audioMinutes: number;
  /** What the model is expected to bill (money/estimate-cost.ts), when a price table was given. */
  cost?: PlanCost;
}

/** Tokens and dollars of a plan, as money/estimate-cost.ts expects them: retries of the verbatim check included. */
export interface PlanCost {
  /** The model priced (NARRATE_MODEL). */
  model: string;
  /** The endpoint priced (NARRATE_PROVIDER): chat-audio or speech. */
  provider?: string;
  /** Model calls expected, rejected readings included. */
  expectedCalls: number;
  inputTokens: number;
  textOutputTokens: number;
  audioOutputTokens: number;
  /** Characters billed, for a model priced by the character (tts-1, tts-1-hd); absent otherwise. */
  characters?: number;
  /** The cast's attribution calls (NARRATE_CAST_MODEL, one per chapter with quotations), counted in expectedCalls and costUsd. */
  attribution?: AttributionEstimate;
  costUsd: number;
}

/** Minutes of speech for a text at the assumed pace: whitespace runs count once, as in checkDuration. */
export function speechMinutes(text: string): number {
  const chars = [...text.replace(/\s+/gu, ' ').trim()].length;
  return chars / DEFAULT_CHARS_PER_SECOND / 60;
}

/** The estimate of one planned book. Pure. */
export function estimatePlan(plan: BookPlan): PlanEstimate {
  let characters = 0;
  let minutes = 0;
  for (const chunk of plan.synthesize) {
    characters += chunk.text.length;
    minutes += speechMinutes(chunk.text);
  }
  return { characters, chunks: plan.synthesize.length, modelCalls: plan.synthesize.length, audioMinutes: round1(minutes) };
}

/** Several books' estimates added up. */
export function sumEstimates(estimates: readonly PlanEstimate[]): PlanEstimate {
  const total: PlanEstimate = { characters: 0, chunks: 0, modelCalls: 0, audioMinutes: 0 };
  for (const e of estimates) {
    total.characters += e.characters;
    total.chunks += e.chunks;
    total.modelCalls += e.modelCalls;
    total.audioMinutes += e.audioMinutes;
  }
  total.audioMinutes = round1(total.audioMinutes);
  const costs = estimates.map((e) => e.cost).filter((c): c is PlanCost => c !== undefined);
  if (costs.length > 0) {
    total.cost = { model: costs[0]!.model, ...(costs[0]!.provider === undefined ? {} : { provider: costs[0]!.provider }), expectedCalls: 0, inputTokens: 0, textOutputTokens: 0, audioOutputTokens: 0, costUsd: 0 };
    for (const c of costs) {
      if (c.characters !== undefined) total.cost.characters = (total.cost.characters ?? 0) + c.characters;
      total.cost.expectedCalls += c.expectedCalls;
      total.cost.inputTokens += c.inputTokens;
      total.cost.textOutputTokens += c.textOutputTokens;
      total.cost.audioOutputTokens += c.audioOutputTokens;
      total.cost.costUsd += c.costUsd;
      if (c.attribution) {
        const a = (total.cost.attribution ??= { model: c.attribution.model, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });
        a.calls += c.attribution.calls;
        a.inputTokens += c.attribution.inputTokens;
        a.outputTokens += c.attribution.outputTokens;
        a.costUsd += c.attribution.costUsd;
      }
    }
  }
  return total;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
