import type { TokenUsage } from '../providers/narrator.js';
import type { ModelPrices } from './prices.js';

/**
 * Dollars a call cost, from the usage the provider returned. Completion tokens the provider did not
 * report as text are counted as audio (the dearer kind): a narrator's answer is audio.
 */
export function callCostUsd(usage: TokenUsage, prices: ModelPrices): number {
  const audio = usage.audioOutputTokens ?? Math.max(0, usage.completionTokens - (usage.textOutputTokens ?? 0));
  const text = Math.max(0, usage.completionTokens - audio);
  return (usage.promptTokens * prices.textInputPerM + text * prices.textOutputPerM + audio * prices.audioOutputPerM) / 1_000_000;
}
