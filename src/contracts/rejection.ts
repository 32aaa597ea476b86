import type { TokenUsage } from './token-usage.js';

/** Why a reading was turned down before one was accepted (see verify/check-narration.ts). */
export interface Rejection {
  /** `alignment`: the sentence check (align/judge-alignment.ts) found a sentence missing from the audio. */
  reason: 'cut-off' | 'refused' | 'unfaithful' | 'duration' | 'bad-audio' | 'alignment';
  detail: string;
  similarity?: number;
  /** What the rejected reading's call used (its price is the price of fidelity). */
  usage?: TokenUsage;
}
