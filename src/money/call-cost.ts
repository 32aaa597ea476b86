import type { TokenUsage } from '../contracts/token-usage.js';
import type { ModelPrices } from './prices.js';

/**
 * Dollars a call cost, from the usage the provider returned. Completion tokens the provider did not
 * report as text are counted as audio (the dearer kind): a narrator's answer is audio. A model billed
 * by the character (tts-1) costs its characters; a call that reported none is counted by its
 * prompt tokens at four characters each rather than as free.
 */
export function callCostUsd(usage: TokenUsage, prices: ModelPrices): number {
  const audio = usage.audioOutputTokens ?? Math.max(0, usage.completionTokens - (usage.textOutputTokens ?? 0));
  const text = Math.max(0, usage.completionTokens - audio);
  const tokens = usage.promptTokens * prices.textInputPerM + text * prices.textOutputPerM + audio * prices.audioOutputPerM;
  const characters = prices.charactersPerM === undefined ? 0 : (usage.characters ?? usage.promptTokens * 4) * prices.charactersPerM;
  return (tokens + characters) / 1_000_000;
}
