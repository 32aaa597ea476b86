import { Queue } from 'bullmq';
import type { Config } from '../config.js';
import { connectRedis, type RedisConnection } from '../queue/connection.js';
import { bullPrefix } from '../queue/keys.js';

/** What a command gets for its work: the connection, and queues on it that are closed with it. */
export interface CommandRedis {
  readonly redis: RedisConnection;
  /** A queue under this deployment's prefix on the same connection, closed before the connection is. */
  queue<DataType = unknown, ResultType = unknown>(name: string): Queue<DataType, ResultType>;
}

/**
 * Runs one command's Redis work: connects (failing fast, exit 2, naming the target when Redis is
 * unreachable), runs `use`, then always closes the queues it opened and the connection, whether
 * `use` returned or threw, so a failed command never leaves the process waiting on a socket.
 */
export async function withRedis<T>(config: Config, name: string, use: (redis: CommandRedis) => Promise<T>): Promise<T> {
  const redis = await connectRedis(config.redis, { name });
  const queues: Queue[] = [];
  try {
    return await use({
      redis,
      queue: <DataType, ResultType>(queueName: string) => {
        const queue = new Queue<DataType, ResultType>(queueName, { connection: redis, prefix: bullPrefix(config.prefix) });
        queues.push(queue as unknown as Queue);
        return queue;
      },
    });
  } finally {
    // Queues first: one still sending its set-up commands would otherwise write to a closed connection.
    await Promise.allSettled(queues.map((q) => q.close()));
    // quit waits for replies in flight; a connection already broken can only be dropped.
    await redis.quit().catch(() => redis.disconnect());
  }
}
