import type { Queue } from 'bullmq';
import type { Config } from '../config.js';
import { connectRedis, type RedisConnection } from '../queue/connection.js';
import { joinFleetShards } from '../queue/fleet-shards.js';
import { ShardQueues } from '../queue/shard-queues.js';

/** What a command gets for its work: the connection, and queues on it that are closed with it. */
export interface CommandRedis {
  readonly redis: RedisConnection;
  /** A queue in the deployment's own tag (the fleet's notify queue), closed before the connection is. */
  queue<DataType = unknown, ResultType = unknown>(name: string): Queue<DataType, ResultType>;
  /** The queues of book work, each in its shard (queues.of(name, bookId), queues.all(name)), closed before the connection is. */
  readonly queues: ShardQueues;
}

/**
 * Runs one command's Redis work: connects (failing fast, exit 2, naming the target when Redis is
 * unreachable), checks the fleet's shard count against NARRATE_SHARDS (exit 2 when they differ
 * while books are in Redis, see joinFleetShards), runs `use`, then always closes the queues it
 * opened and the connection, whether `use` returned or threw, so a failed command never leaves the
 * process waiting on a socket.
 */
export async function withRedis<T>(config: Config, name: string, use: (redis: CommandRedis) => Promise<T>): Promise<T> {
  const redis = await connectRedis(config.redis, { name });
  const queues = new ShardQueues(redis, config.prefix);
  try {
    await joinFleetShards(redis, config.prefix, config.shards);
    return await use({
      redis,
      queue: <DataType, ResultType>(queueName: string) => queues.fleet<DataType, ResultType>(queueName),
      queues,
    });
  } finally {
    // Queues first: one still sending its set-up commands would otherwise write to a closed connection.
    await queues.close();
    // quit waits for replies in flight; a connection already broken can only be dropped.
    await redis.quit().catch(() => redis.disconnect());
  }
}
