import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { NarrateError, ProviderError, RateLimitedError, coerceError } from '../errors.js';

/** Used when a 429 names no delay. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

/**
 * Sorts whatever the openai SDK threw into narrate's errors: 429 → RateLimitedError (pause the
 * queue), 408/409/5xx, resets and time-outs → retryable, other 4xx (400/401/403/404/422) → permanent,
 * with the provider's own reason. The SDK's messages never contain the API key.
 */
export function classifyProviderError(thrown: unknown): Error {
  if (thrown instanceof APIUserAbortError) return thrown;
  if (thrown instanceof APIConnectionError) {
    // Our own failure inside the SDK's fetch (the spool could not take the audio): not the
    // provider's, and not to be retried as if the network had dropped.
    if (thrown.cause instanceof NarrateError) return thrown.cause;
    // Includes APIConnectionTimeoutError: a hung request aborted after NARRATE_REQUEST_TIMEOUT_MS.
    return new ProviderError(`provider unreachable: ${thrown.message}`, { retryable: true, cause: thrown });
  }
  if (thrown instanceof APIError) {
    const status = thrown.status ?? 0;
    const reason = providerReason(thrown);
    if (status === 429) {
      return new RateLimitedError(`provider rate limit (429): ${reason}`, retryAfterMs(thrown.headers) ?? DEFAULT_RETRY_AFTER_MS, {
        cause: thrown,
      });
    }
    const retryable = status === 408 || status === 409 || status >= 500 || status === 0;
    return new ProviderError(`provider answered ${status}: ${reason}`, { status, retryable, cause: thrown });
  }
  return coerceError(thrown);
}

function providerReason(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string' && body.message !== '') return body.message;
  return error.message;
}

/** Reads `retry-after-ms` (OpenAI's) or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
