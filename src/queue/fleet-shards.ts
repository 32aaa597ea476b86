import { ConfigError } from '../errors.js';
import type { RedisConnection } from './connection.js';
import { booksIndexKey, fleetShardsKey, shardPrefixes, useShards } from './keys.js';

/** This process's NARRATE_SHARDS is not the one the fleet's books are spread over: exit 2, naming both. */
export class ShardCountMismatchError extends ConfigError {}

/**
 * Joins the fleet's layout: tells this process it spreads books over `shards` hash tags (useShards),
 * then checks that against the count the fleet's Redis records (one fleet key; absent: 1). A
 * different count while books are in Redis would look for them in the wrong shards, so it is
 * refused (ShardCountMismatchError) rather than run; with no book in Redis the fleet takes the new
 * count. A count of 1 is never written, so a one-shard fleet's keys are exactly as before shards.
 */
export async function joinFleetShards(redis: RedisConnection, prefix: string, shards: number): Promise<void> {
  useShards(prefix, shards);
  const key = fleetShardsKey(prefix);
  const raw = await redis.get(key);
  const recorded = raw === null ? 1 : Number(raw);
  if (recorded === shards) return;
  const counts = await Promise.all(shardPrefixes(prefix, recorded).map((tag) => redis.zcard(booksIndexKey(tag))));
  const books = counts.reduce((a, b) => a + b, 0);
  if (books > 0) {
    throw new ShardCountMismatchError(
      `NARRATE_SHARDS=${shards}, but the books under prefix "${prefix}" are spread over ${recorded} shard(s) (${books} book(s) in Redis): ` +
        `set NARRATE_SHARDS=${recorded} on every process of this fleet, or remove its books first (narrate clean, narrate cancel --purge) to change it`,
    );
  }
  if (shards === 1) await redis.del(key);
  else await redis.set(key, String(shards));
}
