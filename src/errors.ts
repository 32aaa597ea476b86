/**
 * What kind of failure an error is. Exit codes (see exitCodeOf), HTTP statuses and retry decisions
 * follow from it and from `retryable`, never from an error's words:
 * - usage: a bad flag or argument; config: a bad environment variable, or a setting (store, Redis)
 *   that does not work: both exit 2, the user has something to set;
 * - input: a bad input file or manifest; not-found: no such book or object; conflict: not possible
 *   in the present state (a book running, a job held by a worker);
 * - provider: the model's server answered badly or not at all; store: the segment store or a book's
 *   output failed; disk-full: a store refused a write for lack of room; budget: a cost cap or the
 *   daily budget stopped the work; internal: anything else.
 */
export type ErrorKind = 'usage' | 'config' | 'input' | 'not-found' | 'conflict' | 'provider' | 'store' | 'disk-full' | 'budget' | 'internal';

/**
 * Errors that sort themselves: every failure narrate raises says what kind it is and whether another
 * attempt can help. The worker turns non-retryable ones into BullMQ's UnrecoverableError so no
 * attempt is wasted.
 */
export class NarrateError extends Error {
  /** True when the same call may succeed later (429, 5xx, time-outs, resets, garbled bodies). */
  readonly retryable: boolean;
  /** What kind of failure this is (see ErrorKind). */
  readonly kind: ErrorKind;

  constructor(message: string, options: { retryable?: boolean; kind?: ErrorKind; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
    this.kind = options.kind ?? 'internal';
  }
}

/** A bad input file, manifest or flag: reported by name, never retried. */
export class InputError extends NarrateError {
  constructor(message: string, options: { cause?: unknown; kind?: 'input' | 'usage' } = {}) {
    super(message, { ...options, kind: options.kind ?? 'input', retryable: false });
  }
}

/** A mistake on the command line (a flag, an argument): exit code 2, the message, and no stack. */
export class UsageError extends InputError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, kind: 'usage' });
  }
}

/** A bad environment variable or option value, or a setting that does not work (Redis unreachable). */
export class ConfigError extends NarrateError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, kind: 'config', retryable: false });
  }
}

/** No such book (or object) as the one named. */
export class NotFoundError extends NarrateError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { ...options, kind: 'not-found' });
  }
}

/** Not possible in the present state: a book running or done, jobs still held by workers. */
export class ConflictError extends NarrateError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { ...options, kind: 'conflict' });
  }
}

/** The exit code of a command that failed with `error`: 2 when the user has a flag or a setting to fix, else 1. */
export function exitCodeOf(error: unknown): 1 | 2 {
  return error instanceof NarrateError && (error.kind === 'usage' || error.kind === 'config') ? 2 : 1;
}

/** The HTTP status of a request that failed with `error`: 400 for a bad request, 404, 409, else 500. */
export function httpStatusOf(error: unknown): 400 | 404 | 409 | 500 {
  if (!(error instanceof NarrateError)) return 500;
  if (error.kind === 'usage' || error.kind === 'input') return 400;
  if (error.kind === 'not-found') return 404;
  if (error.kind === 'conflict') return 409;
  return 500;
}

/** The provider answered with an error status, or could not be reached. */
export class ProviderError extends NarrateError {
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; retryable: boolean; cause?: unknown }) {
    super(message, { ...options, kind: 'provider' });
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
    super(message, { kind: 'provider', retryable: options.retryable ?? true, ...(options.cause === undefined ? {} : { cause: options.cause }) });
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

  /**
   * `setting`: the store failed its start-up check (a URL, credentials, a bucket, a directory that
   * cannot be written), a setting to fix like a bad variable: its kind is config (exit 2).
   */
  constructor(message: string, options: { retryable: boolean; status?: number; cause?: unknown; setting?: boolean; kind?: ErrorKind }) {
    const { setting, ...rest } = options;
    super(message, { ...rest, kind: options.kind ?? (setting ? 'config' : 'store') });
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
    super(message, { retryable: false, kind: options.refusal === 'full' ? 'disk-full' : 'store', ...(options.cause === undefined ? {} : { cause: options.cause }) });
    this.refusal = options.refusal;
    this.code = options.code;
  }
}
