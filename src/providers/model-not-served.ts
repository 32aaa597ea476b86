import { APIError } from 'openai';
import { ProviderError } from '../errors.js';

/** Which endpoint a model is called through; decides which models are suggested instead. */
export type OnlineProvider = 'chat-audio' | 'speech';

/** Models each provider is known to serve at OpenAI: what a user is told to try. */
export const KNOWN_MODELS: Readonly<Record<OnlineProvider, readonly string[]>> = Object.freeze({
  'chat-audio': ['gpt-audio', 'gpt-audio-mini', 'gpt-4o-audio-preview'],
  speech: ['gpt-4o-mini-tts', 'tts-1', 'tts-1-hd'],
});

/** Error codes OpenAI and compatible servers (vLLM, LiteLLM, Groq) give a model they do not serve. */
const NOT_SERVED_CODES = new Set(['model_not_found', 'model_not_available', 'model_decommissioned', 'model_deprecated', 'invalid_model']);

/** Words of a message that says a model is not there (any more). */
const NOT_SERVED_WORDS = /not found|does not exist|doesn't exist|no such model|unknown model|invalid model|deprecated|decommissioned|no longer (?:available|supported|served)|has been (?:removed|retired|shut down)|not available|not supported/i;

/**
 * The model was refused as such (404 "model not found", "does not exist", "deprecated"): no retry
 * and no other chunk can help, so the book fails after this one call. The message names
 * NARRATE_MODEL, the base URL and what to set instead; never the API key.
 */
export class ModelNotServedError extends ProviderError {
  readonly model: string;

  constructor(message: string, options: { model: string; status?: number; cause?: unknown }) {
    super(message, { retryable: false, ...(options.status === undefined ? {} : { status: options.status }), cause: options.cause });
    this.model = options.model;
  }
}

/**
 * The provider's reason when what the SDK threw says `model` is not served; undefined for any
 * other failure (a bad voice, a missing route, an outage). A 4xx counts when its code says so
 * (model_not_found...), when it is a 404 whose message speaks of a model not found, or when its
 * message names the model and says it is gone.
 */
export function notServedReason(thrown: unknown, model: string): string | undefined {
  const error = thrown instanceof ProviderError && thrown.cause instanceof APIError ? thrown.cause : thrown;
  if (!(error instanceof APIError) || error.status === undefined || error.status < 400 || error.status > 499 || error.status === 429 || error.status === 401) return undefined;
  const body = error.error as { message?: unknown; code?: unknown } | undefined;
  const message = typeof body?.message === 'string' && body.message !== '' ? body.message : error.message;
  const code = typeof body?.code === 'string' ? body.code : typeof error.code === 'string' ? error.code : '';
  const reason = `${error.status}: ${message}`;
  if (NOT_SERVED_CODES.has(code)) return reason;
  if (!NOT_SERVED_WORDS.test(message)) return undefined;
  if (error.status === 404 && /\bmodel\b/i.test(message)) return reason;
  return message.includes(model) ? reason : undefined;
}

/** What to set instead: models the server lists that fit the provider, else OpenAI's own. */
export function modelAdvice(provider: OnlineProvider, served: readonly string[] = []): string {
  const fitting = served.filter((id) => (provider === 'speech' ? /tts|speech/i : /audio/i).test(id) && !/transcri|realtime|search/i.test(id));
  const names = (fitting.length > 0 ? fitting.slice(0, 6) : KNOWN_MODELS[provider]).join(', ');
  const other = provider === 'speech' ? 'chat-audio' : 'speech';
  return `set NARRATE_MODEL to a ${provider} model it serves (${fitting.length > 0 ? 'it lists' : 'e.g.'} ${names}), NARRATE_BASE_URL to a server that serves this one, or NARRATE_PROVIDER=${other} if it is a ${other} model`;
}

/** The one message for a model that is not served, at start or after a call. */
export function modelNotServedMessage(options: { model: string; baseUrl: string; provider: OnlineProvider; reason: string; served?: readonly string[] }): string {
  return `NARRATE_MODEL=${options.model} is not served by ${options.baseUrl} (${options.reason}): ${modelAdvice(options.provider, options.served)}`;
}

/** The error a narrator throws for a call the provider refused because of its model, else `error` unchanged. */
export function asModelNotServed(error: Error, thrown: unknown, options: { model: string; baseUrl: string; provider: OnlineProvider }): Error {
  const reason = notServedReason(thrown, options.model);
  if (reason === undefined) return error;
  const status = thrown instanceof APIError ? thrown.status : undefined;
  return new ModelNotServedError(modelNotServedMessage({ ...options, reason }), { model: options.model, ...(status === undefined ? {} : { status }), cause: thrown });
}
