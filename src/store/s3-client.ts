import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from './s3-settings.js';

/** Attempts per S3 request: throttling (503 SlowDown), 5xx and dropped connections are retried with backoff. */
export const S3_MAX_ATTEMPTS = 6;

/** A connection that is not up by then fails (and is retried): an unreachable endpoint is found out fast. */
const CONNECT_TIMEOUT_MS = 3_000;

/** Attempts of a start-up check: a wrong endpoint or a bad key is reported in seconds, not after a minute of backoff. */
export const PROBE_MAX_ATTEMPTS = 2;

/** No byte for this long on an open request: a hung server is given up on (and retried). */
const SOCKET_TIMEOUT_MS = 60_000;

/**
 * One S3 client from explicit settings (see s3-settings.ts).
 *
 * - Retries: the SDK's `standard` strategy — exponential backoff with jitter, and throttling
 *   errors (503 SlowDown, 429) are retried like 5xx — with S3_MAX_ATTEMPTS attempts instead of 3, so a
 *   bucket under load slows a worker down instead of failing its chunk.
 * - Checksums only when an operation requires them (`WHEN_REQUIRED`): since 2025 the SDK adds CRC32
 *   trailers to every upload by default, which S3-compatible servers (s3rver, older MinIO, R2,
 *   Backblaze) reject or do not return; content addressing already names each segment's bytes.
 * - The middleware stack resolved once per command class (`cacheMiddleware`), not on every send:
 *   nothing here changes it after the first request, and a worker sends two per chunk (0.5 to 0.9
 *   ms of CPU less per HEAD + PUT on the bench machine: `npx tsx bench/s3-request-cost.ts`). A send
 *   with options (an abort signal) still resolves its own stack.
 * - Connections: the SDK's default agent keeps them alive (50 sockets per client, more than a
 *   worker's jobs in flight), so a worker opens a few and reuses them (the bench counts them).
 */
export function createS3Client(settings: S3Settings, options: { maxAttempts?: number } = {}): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.credentials === undefined ? {} : { credentials: { ...settings.credentials } }),
    maxAttempts: options.maxAttempts ?? S3_MAX_ATTEMPTS,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: SOCKET_TIMEOUT_MS },
    cacheMiddleware: true,
  });
}
