import { NarrateError } from '../errors.js';

/**
 * Why a webhook post failed: `refused` (a target narrate will not post to: private address,
 * user and password in the URL; never retried), `unresolved` (its host did not resolve),
 * `unreachable` (no answer), `status` (an answer other than 2xx, redirects included).
 */
export type WebhookFailure = 'refused' | 'unresolved' | 'unreachable' | 'status';

/** A webhook post that failed. The message names the URL without its query, user or password, and never the secret. */
export class WebhookError extends NarrateError {
  readonly failure: WebhookFailure;
  /** The URL's host (and port), what a log line says of the receiver. */
  readonly host: string;
  /** The receiver's HTTP status, for `status`. */
  readonly status: number | undefined;
  /** What went wrong, without the URL (e.g. "localhost resolves to 127.0.0.1 (loopback)"), for messages that name the URL their own way. */
  readonly detail: string;

  constructor(message: string, options: { failure: WebhookFailure; host: string; detail: string; status?: number; cause?: unknown }) {
    super(message, { retryable: options.failure !== 'refused', ...(options.cause === undefined ? {} : { cause: options.cause }) });
    this.failure = options.failure;
    this.host = options.host;
    this.status = options.status;
    this.detail = options.detail;
  }
}
