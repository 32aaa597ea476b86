import type { TokenUsage } from './token-usage.js';

/** Why a reading was turned down before one was accepted (see verify/check-narration.ts). */
export interface Rejection {
  reason: 'cut-off' | 'refused' | 'unfaithful' | 'duration' | 'bad-audio';
  detail: string;
  similarity?: number;
  /** What the rejected reading's call used (its price is the price of fidelity). */
  usage?: TokenUsage;
}
