import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { checkEvictionPolicy } from '../queue/check-eviction-policy.js';
import { connectRedis, type RedisConnection } from '../queue/connection.js';
import { describeRedis } from '../queue/redis-target.js';
import { joinFleetShards } from '../queue/fleet-shards.js';
import { waitForRedis } from '../worker/wait-for-redis.js';
import type { CliIo } from './io.js';

/**
 * Stops a worker or `run` (ConfigError, exit 2) on a Redis that evicts keys, or whose fleet spreads
 * its books over another NARRATE_SHARDS (see joinFleetShards); warns when Redis will not say.
 * Called once every flag, variable and file has been checked, so a usage or config error never
 * waits on Redis.
 *
 * `wait`: a worker's way. It never gives up on Redis (it reconnects forever, saying so in its log),
 * so the check waits with it; `signal` ends the wait (a SIGTERM while Redis is down), answering
 * false. Without `wait`, an unreachable Redis is an error within connectRedis's time-out, as for
 * every other command.
 */
export async function checkRedisEviction(config: Config, io: CliIo, wait?: { logger: Logger; signal: AbortSignal }): Promise<boolean> {
  let connection: RedisConnection;
  if (wait) {
    const opened = await waitForRedis(config.redis, { ...wait, name: 'narrate-check' });
    if (!opened) return false;
    connection = opened;
  } else {
    connection = await connectRedis(config.redis, { name: 'narrate-check' });
  }
  try {
    const { warning } = await checkEvictionPolicy(connection, describeRedis(config.redis));
    if (warning) io.stderr.write(`warning: ${warning}\n`);
    // NARRATE_SHARDS against the fleet's (exit 2 when they differ while books are in Redis).
    await joinFleetShards(connection, config.prefix, config.shards);
    return true;
  } finally {
    await connection.quit().catch(() => connection.disconnect());
  }
}
