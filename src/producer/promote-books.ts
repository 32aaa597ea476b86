import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import { StoreError, coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StoredPlan } from '../contracts/job-data.js';
import type { BookFlowProducer } from '../queue/book-flow-producer.js';
import { STOPPED_STATES, setBookState } from '../queue/book-record.js';
import { buildFlow } from '../queue/build-flow.js';
import type { RedisConnection } from '../queue/connection.js';
import { admitKeyIn, bookKeys } from '../queue/keys.js';
import type { TextCache } from '../store/text-objects.js';

/** Books kept in the enqueue queue ahead of admission: enough that it never runs dry, few enough that a waiting book costs only its record. */
export const PROMOTE_AHEAD = 20;

/** Releases the promotion lock only if this promoter still holds it. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** What promotion works with. */
export interface PromoteDeps {
  redis: RedisConnection;
  /** The deployment's prefix (NARRATE_PREFIX). */
  prefix: string;
  /** The shard whose admission list this promotes (one of shardPrefixes; `{prefix}` with one shard): `finalize` and `enqueue` are its queues. */
  shardPrefix: string;
  producer: BookFlowProducer;
  finalize: Queue;
  enqueue: Queue;
  texts: TextCache;
  logger: Logger;
  /** Books kept in the enqueue queue (default PROMOTE_AHEAD). */
  ahead?: number;
}

/**
 * Moves books from the head of the admission list (admitKey: submitted, not yet in BullMQ) into
 * BullMQ, in submit order, while fewer than `ahead` enqueue jobs are queued: each book's `finalize`
 * job and its `enqueue` job go in with the book's removal from the list, in one MULTI, so a book is
 * in the list or in BullMQ, never both or neither. A book cancelled (or removed) meanwhile leaves
 * the list without a job; one whose plan is gone from the store fails, saying so. One promoter at a
 * time across the fleet (a lock in Redis); answers how many books went in.
 */
export async function promoteBooks(deps: PromoteDeps): Promise<number> {
  const list = admitKeyIn(deps.shardPrefix);
  const lock = `${list}:lock`;
  const token = randomBytes(8).toString('hex');
  if ((await deps.redis.set(lock, token, 'PX', 30_000, 'NX')) !== 'OK') return 0;
  let promoted = 0;
  try {
    const queued = await deps.enqueue.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized', 'paused');
    const room = (deps.ahead ?? PROMOTE_AHEAD) - queued;
    if (room <= 0) return 0;
    for (const bookId of await deps.redis.lrange(list, 0, room - 1)) {
      const [state, plan] = await deps.redis.hmget(bookKeys(deps.prefix, bookId).record, 'state', 'plan');
      // Gone, stopped, or already in BullMQ (a retry added it): nothing to add.
      if (state == null || plan == null || (STOPPED_STATES as readonly string[]).includes(state) || (await deps.finalize.getJobState(bookId)) !== 'unknown') {
        await deps.redis.lrem(list, 1, bookId);
        continue;
      }
      let stored: StoredPlan;
      try {
        stored = await deps.texts.json<StoredPlan>(plan, `plan of book ${bookId}`);
      } catch (error) {
        // A store that fails for now is tried again next round; a plan that is not there never will be.
        if (!(error instanceof StoreError) || error.retryable) throw error;
        const reason = coerceError(error).message;
        await setBookState(deps.redis, deps.prefix, bookId, 'failed', { unlessIn: ['done'], fields: { reason } });
        await deps.redis.lrem(list, 1, bookId);
        deps.logger.error({ bookId, err: reason }, 'book not admitted: its plan is missing from the store');
        continue;
      }
      await deps.producer.addWith(buildFlow({ plan, stored }, deps.shardPrefix), (multi) => multi.lrem(list, 1, bookId));
      promoted++;
    }
    return promoted;
  } finally {
    await deps.redis.eval(RELEASE, 1, lock, token).catch(() => undefined);
  }
}
