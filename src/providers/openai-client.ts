import OpenAI from 'openai';
import { toFetchResponse, type HttpTransport } from './http-transport.js';

/** What every narrate client of an OpenAI-compatible server is built from. */
export interface OpenAiClientOptions {
  apiKey: string;
  /** OpenAI-compatible base URL including /v1. */
  baseUrl: string;
  /** Abort a request that has not answered after this long. */
  timeoutMs: number;
  /** How requests go out: audioSpoolFetch for chat completions, transportFetch otherwise. */
  fetch: typeof fetch;
}

/**
 * The official SDK, set up the one way narrate uses it: retries are BullMQ's job (maxRetries 0),
 * so a failed attempt is visible, counted and backed off fleet-wide.
 */
export function openAiClient(options: OpenAiClientOptions): OpenAI {
  return new OpenAI({ apiKey: options.apiKey, baseURL: options.baseUrl, timeout: options.timeoutMs, maxRetries: 0, fetch: options.fetch });
}

/** A fetch for the SDK over node:http (see HttpTransport), the body handed on as it streams. */
export function transportFetch(transport: HttpTransport): typeof fetch {
  return async (input, init) => toFetchResponse(await transport.request(input as string | URL, init));
}
