import { StoreError } from '../errors.js';
import { S3_MAX_ATTEMPTS } from './s3-client.js';
import type { S3Settings } from './s3-settings.js';

/** The parts of an AWS SDK error we read (it is a ServiceException, or a Node network error). */
interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

/** HTTP status of an SDK error, if the server answered. */
export function s3Status(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** Whether S3 said "no such object" (HEAD answers 404 with no body, so only the status tells). */
export function isNotFound(error: unknown): boolean {
  const e = error as SdkErrorShape;
  return s3Status(error) === 404 && e.name !== 'NoSuchBucket';
}

/** Describes an S3 location for messages: `s3://bucket/prefix/ (endpoint http://...)`; never a credential. */
export function describeS3(url: string, settings: S3Settings): string {
  return `${url} (${settings.endpoint === undefined ? `AWS region ${settings.region}` : `endpoint ${settings.endpoint}`})`;
}

/**
 * Turns an SDK error into a StoreError whose message names the store and the cause in words a
 * user can act on, and says whether trying again can help. The secret is scrubbed from whatever
 * text the SDK or the server put in the message, should one ever echo it.
 */
export function s3Error(error: unknown, what: string, where: string, settings: S3Settings, options: { bucketRequest?: boolean; setting?: boolean } = {}): StoreError {
  const e = (error ?? {}) as SdkErrorShape;
  const status = s3Status(error);
  const name = e.name ?? 'Error';
  const code = e.code ?? networkCode(e.cause);
  let cause: string;
  let retryable: boolean;
  if (status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied') {
    cause = `access denied (${status ?? 403} ${name}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they may read, write and list this bucket`;
    retryable = false;
  } else if (name === 'NoSuchBucket' || (status === 404 && (options.bucketRequest || /bucket/i.test(e.message ?? '')))) {
    cause = `the bucket does not exist (404 NoSuchBucket)`;
    retryable = false;
  } else if (status === undefined && (code !== undefined || name === 'TimeoutError')) {
    cause = `cannot reach the endpoint (${code ?? name}${e.message && !e.message.includes(code ?? '\0') ? `: ${e.message}` : ''})`;
    retryable = true;
  } else if (status === 503 || name === 'SlowDown') {
    cause = `throttled (503 SlowDown), still after ${S3_MAX_ATTEMPTS} attempts with backoff`;
    retryable = true;
  } else {
    cause = `${status === undefined ? '' : `${status} `}${name}${e.message && e.message !== name ? `: ${e.message}` : ''}`;
    retryable = status === undefined || status >= 500 || status === 429 || status === 409;
  }
  const message = scrub(`${what} failed for store ${where}: ${cause}`, settings);
  return new StoreError(message, { retryable, ...(status === undefined ? {} : { status }), ...(options.setting ? { setting: true } : {}), cause: error });
}

function networkCode(cause: unknown): string | undefined {
  const c = cause as SdkErrorShape | undefined;
  return typeof c?.code === 'string' ? c.code : undefined;
}

function scrub(text: string, settings: S3Settings): string {
  const secrets = [settings.credentials?.secretAccessKey, settings.credentials?.sessionToken].filter((s): s is string => s !== undefined && s.length >= 4);
  return secrets.reduce((t, s) => t.split(s).join('(hidden)'), text);
}
