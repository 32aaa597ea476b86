import { Redis, type RedisOptions } from 'ioredis';

/**
 * Opens an ioredis connection as BullMQ's production guide asks.
 * `worker: true` sets maxRetriesPerRequest to null (required for blocking worker commands, and it
 * lets a worker ride out a Redis restart instead of failing its commands); producers keep the
 * default so a dead Redis fails fast with an error instead of hanging the CLI.
 */
export function openRedis(redisUrl: string, options: { worker?: boolean; name?: string } = {}): Redis {
  const extra: RedisOptions = {
    // Reconnect forever with a capped delay; BullMQ resumes where it was once the server is back.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    enableOfflineQueue: true,
    lazyConnect: false,
  };
  if (options.worker) extra.maxRetriesPerRequest = null;
  else extra.maxRetriesPerRequest = 3;
  if (options.name !== undefined) extra.connectionName = options.name;
  return new Redis(redisUrl, extra);
}
