import type { Config } from '../config.js';
import { HttpTransport } from '../providers/http-transport.js';
import { openAiClient, transportFetch } from '../providers/openai-client.js';
import { ATTRIBUTION_SCHEMA } from './attribution-prompt.js';

/** Token usage of one attribution call, as the provider reports it. */
export interface TextUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A chat model asked in text mode for an answer of ATTRIBUTION_SCHEMA. */
export interface AttributionModel {
  readonly model: string;
  /** The answer's content (JSON text) and usage; throws what the SDK throws. */
  attribute(system: string, user: string): Promise<{ content: string | null; usage: TextUsage }>;
  close(): Promise<void>;
}

/**
 * NARRATE_CAST_MODEL on the provider's chat completions endpoint (the same base URL and key as the
 * narration), in text mode with structured output: `response_format` a strict JSON schema, so the
 * answer is the list the check expects or a refusal.
 */
export function chatTextModel(config: Pick<Config, 'apiKey' | 'baseUrl' | 'castModel' | 'requestTimeoutMs'>): AttributionModel {
  if (config.apiKey === undefined) throw new Error('chatTextModel needs NARRATE_API_KEY');
  const transport = new HttpTransport();
  const client = openAiClient({ apiKey: config.apiKey, baseUrl: config.baseUrl, timeoutMs: config.requestTimeoutMs, fetch: transportFetch(transport) });
  return {
    model: config.castModel,
    async attribute(system, user) {
      const completion = await client.chat.completions.create({
        model: config.castModel,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
        response_format: { type: 'json_schema', json_schema: { name: 'quotation_speakers', strict: true, schema: ATTRIBUTION_SCHEMA as unknown as Record<string, unknown> } },
      });
      const choice = completion.choices[0];
      return {
        content: choice?.message.refusal ? null : (choice?.message.content ?? null),
        usage: { promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 },
      };
    },
    async close() {
      transport.close();
    },
  };
}
