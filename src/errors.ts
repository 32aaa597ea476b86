/**
 * Errors that sort themselves: every failure narrate raises says whether another attempt can help.
 * The worker turns non-retryable ones into BullMQ's UnrecoverableError so no attempt is wasted.
 */
export class NarrateError extends Error {
  /** True when the same call may succeed later (429, 5xx, time-outs, resets, garbled bodies). */
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
  }
}

/** A bad input file, manifest or flag: reported by name, never retried. */
export class InputError extends NarrateError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** A bad environment variable or option value. */
export class ConfigError extends NarrateError {
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** The provider answered with an error status, or could not be reached. */
export class ProviderError extends NarrateError {
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; retryable: boolean; cause?: unknown }) {
    super(message, options);
    this.status = options.status;
  }
}

/** HTTP 429: the whole queue should pause for `retryAfterMs` rather than each job backing off alone. */
export class RateLimitedError extends ProviderError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options: { cause?: unknown } = {}) {
    super(message, { status: 429, retryable: true, ...options });
    this.retryAfterMs = retryAfterMs;
  }
}

/** The provider answered, but the audio is empty, not WAV, or not in the book's sample format. */
export class AudioFormatError extends NarrateError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { retryable: options.retryable ?? true, ...(options.cause === undefined ? {} : { cause: options.cause }) });
  }
}

/** Turns any thrown value into an Error, keeping the original as `cause` (graphile-worker's coerceError). */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  const text = typeof value === 'string' ? value : safeStringify(value);
  return new Error(text, { cause: value });
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Whether another attempt could help: our own flag when we have one, otherwise assume a transient fault. */
export function isRetryable(error: unknown): boolean {
  return error instanceof NarrateError ? error.retryable : true;
}

/**
 * The segment store or the book's output (a directory or an S3 bucket) failed: unreachable,
 * refused, missing. The message names the store (never a credential) and the cause.
 */
export class StoreError extends NarrateError {
  /** HTTP status from S3, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options: { retryable: boolean; status?: number; cause?: unknown }) {
    super(message, options);
    this.status = options.status;
  }
}

/** Why a store refused a write for good: no room (ENOSPC, EDQUOT), mounted read-only (EROFS), or not allowed (EACCES, EPERM). */
export type StoreRefusal = 'full' | 'read-only' | 'denied';

/**
 * A store that cannot take a write until someone acts (frees room, remounts, fixes permissions):
 * another attempt minutes later meets the same store, so it is not retried. `code` is the system's
 * (ENOSPC, EDQUOT, EROFS, EACCES, EPERM). The message names the store.
 */
export class StoreRefusedError extends StoreError {
  readonly refusal: StoreRefusal;
  readonly code: string;

  constructor(message: string, options: { refusal: StoreRefusal; code: string; cause?: unknown }) {
    super(message, { retryable: false, ...(options.cause === undefined ? {} : { cause: options.cause }) });
    this.refusal = options.refusal;
    this.code = options.code;
  }
}
