import { Queue } from 'bullmq';
import type { RedisConnection } from './connection.js';
import { bookShardPrefix, bullPrefix, shardPrefixes } from './keys.js';

/**
 * The queues of a deployment on one connection, opened as asked and closed together. A book's jobs
 * (its flow: finalize, encode, synthesize, enqueue) live in its shard's queues (see shardPrefixes);
 * the webhook queue (notify) is the fleet's own, in the deployment's tag. With one shard both are
 * the same `{prefix}` queues.
 */
export class ShardQueues {
  private readonly opened = new Map<string, Queue>();

  constructor(
    private readonly connection: RedisConnection,
    /** NARRATE_PREFIX, the deployment's name. */
    readonly prefix: string,
  ) {}

  /** Queue `name` of the shard that holds book `bookId`. */
  of<DataType = unknown, ResultType = unknown>(name: string, bookId: string): Queue<DataType, ResultType> {
    return this.open(name, bookShardPrefix(this.prefix, bookId));
  }

  /** Queue `name` of every shard, shard 0 first. */
  all<DataType = unknown, ResultType = unknown>(name: string): Queue<DataType, ResultType>[] {
    return shardPrefixes(this.prefix).map((p) => this.open<DataType, ResultType>(name, p));
  }

  /** Queue `name` in the deployment's own tag: the fleet's notify queue. */
  fleet<DataType = unknown, ResultType = unknown>(name: string): Queue<DataType, ResultType> {
    return this.open(name, bullPrefix(this.prefix));
  }

  /** Closes every queue opened here (each even when another fails). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.opened.values()].map((q) => q.close()));
    this.opened.clear();
  }

  private open<DataType, ResultType>(name: string, prefix: string): Queue<DataType, ResultType> {
    const key = `${prefix}\n${name}`;
    let queue = this.opened.get(key);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix });
      this.opened.set(key, queue);
    }
    return queue as unknown as Queue<DataType, ResultType>;
  }
}
