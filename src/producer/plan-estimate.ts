import { DEFAULT_CHARS_PER_SECOND } from '../verify/expected-duration.js';
import type { BookPlan } from './plan-book.js';

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
  return total;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
