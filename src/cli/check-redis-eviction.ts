import type { Config } from '../config.js';
import { checkEvictionPolicy } from '../queue/check-eviction-policy.js';
import { connectRedis } from '../queue/connection.js';
import { describeRedis } from '../queue/redis-target.js';
import type { CliIo } from './io.js';

/** Stops a worker or `run` (ConfigError, exit 2) on a Redis that evicts keys; warns when Redis will not say. */
export async function checkRedisEviction(config: Config, io: CliIo): Promise<void> {
  const connection = await connectRedis(config.redis, { name: 'narrate-check' });
  try {
    const { warning } = await checkEvictionPolicy(connection, describeRedis(config.redis));
    if (warning) io.stderr.write(`warning: ${warning}\n`);
  } finally {
    await connection.quit().catch(() => connection.disconnect());
  }
}
