import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection as Redis } from './connection.js';
import { bookKeys } from './book-record.js';
import { CLAIM_SEGMENT, USE_SEGMENTS } from './segment-ref-scripts.js';
import { bookSegmentRefKeys, segmentRefKeys, shardPrefixes } from './keys.js';

/** How long a prune's claim on a segment holds if the prune dies before letting go (a DELETE takes milliseconds). */
export const CLAIM_MS = 10 * 60_000;

/** How often a worker looks again while a prune deletes a segment it wants. */
const WAIT_STEP_MS = 100;

/**
 * The segments books hold, as workers and prune see them (see segment-ref-scripts.ts): a worker
 * records each key before it looks it up; a prune removes only what it could claim.
 */
export class SegmentRefs {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Records that book `bookId` uses these segments (nothing is recorded for a book gone from
   * Redis), and waits while a prune is deleting any of them, so the caller never finds a segment
   * that is about to vanish.
   */
  async use(bookId: string, keys: readonly string[], signal?: AbortSignal): Promise<void> {
    if (keys.length === 0) return;
    const book = bookKeys(this.prefix, bookId);
    const refs = bookSegmentRefKeys(this.prefix, bookId);
    for (;;) {
      const busy = (await this.redis.eval(USE_SEGMENTS, 4, book.record, book.segments, refs.books, refs.removing, ...keys)) as string[];
      if (busy.length === 0) return;
      await sleep(WAIT_STEP_MS, undefined, signal ? { signal } : {});
    }
  }

  /**
   * Claims an unheld segment for deletion (true), or answers false when a book holds it or another
   * prune is deleting it. Let go with `release` once deleted. With several shards the segment is
   * claimed in each in turn (each shard counts only its own books' holds), and a shard that holds
   * it gives back the claims already made.
   */
  async claim(key: string): Promise<boolean> {
    const claimed: string[] = [];
    for (const shard of shardPrefixes(this.prefix)) {
      const refs = segmentRefKeys(shard);
      if ((await this.redis.eval(CLAIM_SEGMENT, 2, refs.books, refs.removing, key, CLAIM_MS)) !== 1) {
        await Promise.all(claimed.map((s) => this.redis.zrem(segmentRefKeys(s).removing, key)));
        return false;
      }
      claimed.push(shard);
    }
    return true;
  }

  /** Lets go of a claim: the segment is deleted (or was kept after all). */
  async release(key: string): Promise<void> {
    await Promise.all(shardPrefixes(this.prefix).map((s) => this.redis.zrem(segmentRefKeys(s).removing, key)));
  }

  /** Whether any book in Redis holds the segment (what a dry run reports, without claiming). */
  async held(key: string): Promise<boolean> {
    const replies = await Promise.all(shardPrefixes(this.prefix).map((s) => this.redis.hexists(segmentRefKeys(s).books, key)));
    return replies.some((r) => r === 1);
  }
}
