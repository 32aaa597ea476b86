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
