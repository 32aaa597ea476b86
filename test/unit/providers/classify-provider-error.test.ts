import { APIConnectionError, APIConnectionTimeoutError, APIError, AuthenticationError, InternalServerError, RateLimitError } from 'openai';
import { describe, expect, it } from 'vitest';
import { ProviderError, RateLimitedError, StoreRefusedError, isRetryable } from '../../../src/errors.js';
import { classifyProviderError, retryAfterMs } from '../../../src/providers/classify-provider-error.js';

describe('retryAfterMs', () => {
  it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
  });
});

describe('classifyProviderError', () => {
  const headers = (h: Record<string, string> = {}) => new Headers(h);

  it('turns 429 into a queue pause of Retry-After', () => {
    const e = classifyProviderError(new RateLimitError(429, { message: 'slow down' }, undefined, headers({ 'retry-after': '7' })));
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).retryAfterMs).toBe(7000);
    expect(e.message).toContain('slow down');
  });

  it('retries 5xx and time-outs, not 401 or 400', () => {
    expect(isRetryable(classifyProviderError(new InternalServerError(500, { message: 'boom' }, undefined, headers())))).toBe(true);
    expect(isRetryable(classifyProviderError(new APIConnectionTimeoutError()))).toBe(true);
    const auth = classifyProviderError(new AuthenticationError(401, { message: 'Incorrect API key provided' }, undefined, headers()));
    expect(auth).toBeInstanceOf(ProviderError);
    expect(isRetryable(auth)).toBe(false);
    expect(auth.message).toBe('provider answered 401: Incorrect API key provided');
    expect(isRetryable(classifyProviderError(APIError.generate(400, { message: 'bad voice' }, undefined, headers())))).toBe(false);
    expect(isRetryable(classifyProviderError(APIError.generate(404, { message: 'no model' }, undefined, headers())))).toBe(false);
  });

  it('gives back our own failure inside the SDK fetch (the spool refused the audio), not a retryable network fault', () => {
    const refused = new StoreRefusedError('no space left in the spool /tmp/x (ENOSPC)', { refusal: 'full', code: 'ENOSPC' });
    const e = classifyProviderError(new APIConnectionError({ cause: refused }));
    expect(e).toBe(refused);
    expect(isRetryable(e)).toBe(false);
    // A real network fault is still the provider's, retried.
    expect(isRetryable(classifyProviderError(new APIConnectionError({ cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) })))).toBe(true);
  });
});
