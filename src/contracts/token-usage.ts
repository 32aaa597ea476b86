/** Token usage as the provider reports it (zeros for the offline voice). */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Completion tokens that were audio (`completion_tokens_details.audio_tokens`), when the provider says. */
  audioOutputTokens?: number;
  /** Completion tokens that were text (`completion_tokens_details.text_tokens`), when the provider says. */
  textOutputTokens?: number;
  /** Characters of text sent, for models billed by the character (the speech endpoint's tts-1, tts-1-hd). */
  characters?: number;
}

/** Token usage of several calls added up. */
export function sumUsage(usages: readonly TokenUsage[]): TokenUsage {
  const total: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  for (const u of usages) {
    total.promptTokens += u.promptTokens;
    total.completionTokens += u.completionTokens;
    total.totalTokens += u.totalTokens;
    // The split is kept only while every part reports it; a sum of known and unknown is unknown.
    for (const k of ['audioOutputTokens', 'textOutputTokens', 'characters'] as const) {
      if (u[k] !== undefined && (total[k] !== undefined || u === usages[0])) total[k] = (total[k] ?? 0) + u[k];
      else delete total[k];
    }
  }
  return total;
}
