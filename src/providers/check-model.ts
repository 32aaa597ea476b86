import { APIError, type OpenAI } from 'openai';
import type { Config } from '../config.js';
import { ConfigError, coerceError } from '../errors.js';
import { HttpTransport } from './http-transport.js';
import { modelNotServedMessage, notServedReason } from './model-not-served.js';
import { openAiClient, transportFetch } from './openai-client.js';

/** What the start-up check found: the model is served, or it could not tell (and says why). */
export type ModelCheck = { served: true; by: 'GET /models/{model}' | 'GET /models' | 'offline' } | { served: undefined; warning: string };

/** The check waits at most this long for each answer: a slow provider must not hold a worker's start. */
const CHECK_TIMEOUT_MS = 15_000;

/**
 * Asks the provider once, before any book is queued or any job taken, whether it serves
 * NARRATE_MODEL, and throws a ConfigError (exit 2) naming NARRATE_MODEL, the base URL and what to
 * set instead when it does not. Costs nothing: GET /models/{model} (OpenAI's retrieve), and where
 * a server does not answer that route, GET /models (the list every OpenAI-compatible server has).
 * When neither answers it cannot tell, and says so: the first call then finds out, and the book
 * fails after that one call. A 401 or 403 is such a case too, not a stop: a key restricted to
 * inference (OpenAI's restricted keys without the models scope) is refused on /models and still
 * reads books, and a key that is simply wrong fails its first book naming the provider's reason.
 */
export async function checkModelServed(config: Pick<Config, 'provider' | 'apiKey' | 'baseUrl' | 'model' | 'requestTimeoutMs'>): Promise<ModelCheck> {
  if (config.provider === 'offline' || config.apiKey === undefined) return { served: true, by: 'offline' };
  const provider = config.provider;
  const transport = new HttpTransport();
  const client = openAiClient({ apiKey: config.apiKey, baseUrl: config.baseUrl, timeoutMs: Math.min(config.requestTimeoutMs, CHECK_TIMEOUT_MS), fetch: transportFetch(transport) });
  const notServed = (reason: string, served?: readonly string[]) =>
    new ConfigError(modelNotServedMessage({ model: config.model, baseUrl: config.baseUrl, provider, reason, ...(served === undefined ? {} : { served }) }));
  try {
    let retrieveFailure: string;
    try {
      await client.models.retrieve(config.model);
      return { served: true, by: 'GET /models/{model}' };
    } catch (error) {
      const reason = notServedReason(error, config.model);
      if (reason !== undefined) throw notServed(reason, await listModels(client).catch(() => undefined));
      retrieveFailure = describe(error);
    }
    // No answer about this model (a server without the route, or one down): its list may know.
    let ids: string[];
    try {
      ids = await listModels(client);
    } catch (error) {
      return { served: undefined, warning: cannotTell(config, `GET /models/${config.model}: ${retrieveFailure}; GET /models: ${describe(error)}`) };
    }
    if (ids.length === 0) return { served: undefined, warning: cannotTell(config, `GET /models/${config.model}: ${retrieveFailure}; GET /models listed no model`) };
    if (ids.some((id) => sameModel(id, config.model))) return { served: true, by: 'GET /models' };
    throw notServed(`GET /models lists ${ids.length} model${ids.length === 1 ? '' : 's'}, not this one`, ids);
  } finally {
    transport.close();
  }
}

/** The ids of GET /models (one page: OpenAI's list is not paginated). */
async function listModels(client: OpenAI): Promise<string[]> {
  const page = await client.models.list();
  const data = (page as unknown as { data?: unknown }).data;
  if (!Array.isArray(data)) return [];
  return data.map((m: { id?: unknown }) => m?.id).filter((id): id is string => typeof id === 'string');
}

/** The model itself, or a dated snapshot of it (gpt-audio-2025-08-28 serves gpt-audio). */
function sameModel(id: string, model: string): boolean {
  return id === model || (id.startsWith(`${model}-`) && /^\d{4}-\d{2}-\d{2}$/.test(id.slice(model.length + 1)));
}

function cannotTell(config: Pick<Config, 'baseUrl' | 'model'>, why: string): string {
  return `could not check that ${config.baseUrl} serves NARRATE_MODEL=${config.model} (${why}); going on: if it does not, the first book fails after one call saying so`;
}

function describe(error: unknown): string {
  return error instanceof APIError && error.status !== undefined ? `${error.status} ${reasonOf(error)}` : coerceError(error).message;
}

function reasonOf(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' && body.message !== '' ? body.message : error.message;
}
