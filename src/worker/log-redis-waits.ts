import type { Logger } from '../logger.js';
import { causeOf, type RedisConnection } from '../queue/connection.js';
import { describeRedis, type RedisTarget } from '../queue/redis-target.js';
import { coerceError } from '../errors.js';

/**
 * A worker never gives up on Redis (it reconnects forever); this says so in the log, at most once
 * every `everyMs` while it waits, and once more when it is connected again. Returns a function
 * that stops listening.
 */
export function logRedisWaits(connection: RedisConnection, target: RedisTarget, logger: Logger, everyMs = 5_000): () => void {
  const where = describeRedis(target);
  let waitingSince: number | undefined;
  let lastLog = 0;
  const onError = (error: unknown) => {
    const now = Date.now();
    waitingSince ??= now;
    if (now - lastLog < everyMs) return;
    lastLog = now;
    logger.warn({ redis: where, err: causeOf(coerceError(error)), waitingMs: now - waitingSince }, `waiting for Redis at ${where}: retrying`);
  };
  const onReady = () => {
    if (waitingSince !== undefined) logger.info({ redis: where, waitedMs: Date.now() - waitingSince }, `connected to Redis at ${where}`);
    waitingSince = undefined;
    lastLog = 0;
  };
  connection.on('error', onError);
  connection.on('ready', onReady);
  return () => {
    connection.off('error', onError);
    connection.off('ready', onReady);
  };
}
