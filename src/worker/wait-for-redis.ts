import type { Logger } from '../logger.js';
import { openRedis, type RedisConnection } from '../queue/connection.js';
import type { RedisTarget } from '../queue/redis-target.js';
import { logRedisWaits } from './log-redis-waits.js';

/**
 * A worker's way to reach Redis: it never gives up (it reconnects forever, saying so in its log)
 * until `signal` aborts (a SIGTERM while Redis is down). Resolves with the ready connection, or
 * undefined when the signal came first (the connection is then closed).
 */
export async function waitForRedis(target: RedisTarget, options: { logger: Logger; signal: AbortSignal; name: string }): Promise<RedisConnection | undefined> {
  const connection = openRedis(target, { worker: true, name: options.name });
  const stopLogging = logRedisWaits(connection, target, options.logger);
  try {
    if (await untilReady(connection, options.signal)) return connection;
    connection.disconnect();
    return undefined;
  } finally {
    stopLogging();
  }
}

/** Resolves true once `connection` is ready, false if `signal` aborts first. */
function untilReady(connection: RedisConnection, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (connection.status === 'ready') return resolve(true);
    if (signal.aborted) return resolve(false);
    const onReady = () => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    };
    const onAbort = () => {
      connection.off('ready', onReady);
      resolve(false);
    };
    connection.once('ready', onReady);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
