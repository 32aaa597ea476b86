import type { RedisConnection as Redis } from '../queue/connection.js';
import { bookIndexKey, bookShardPrefix, booksIndexKeys } from '../queue/keys.js';

/*
 * The books index read across shards. Each shard keeps its own index (a sorted set of book ids
 * scored by submit time, in its hash tag beside its books); every listing walks them merged in the
 * order one index would give: by score, then by id bytewise (Redis's order for equal scores). With
 * one shard each call below is the single index's own command.
 */

/** An index entry: a book id and its submit time (ms). */
interface Entry {
  id: string;
  score: number;
}

/** Redis's order of a sorted set: by score, then by member bytewise. */
function compareEntries(a: Entry, b: Entry): number {
  return a.score - b.score || Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));
}

function pairs(reply: string[]): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) entries.push({ id: reply[i]!, score: Number(reply[i + 1]) });
  return entries;
}

/** How many books the deployment holds, every shard. */
export async function countBooks(redis: Redis, prefix: string): Promise<number> {
  const counts = await Promise.all(booksIndexKeys(prefix).map((key) => redis.zcard(key)));
  return counts.reduce((a, b) => a + b, 0);
}

/** Every book id of the deployment, oldest first (newest first with `newestFirst`). */
export async function allBookIds(redis: Redis, prefix: string, options: { newestFirst?: boolean } = {}): Promise<string[]> {
  const keys = booksIndexKeys(prefix);
  if (keys.length === 1) return options.newestFirst ? redis.zrevrange(keys[0]!, 0, -1) : redis.zrange(keys[0]!, 0, -1);
  const entries = (await Promise.all(keys.map((key) => redis.zrange(key, 0, -1, 'WITHSCORES')))).flatMap(pairs).sort(compareEntries);
  const ids = entries.map((e) => e.id);
  return options.newestFirst ? ids.reverse() : ids;
}

/**
 * The ids at ranks [start, start + count) of the books newest first. One shard: one ZREVRANGE (page
 * 200 costs what page 1 does). Several: the first start + count of each shard, merged, so a late
 * page reads more than an early one (10,000 books over 3 shards: the last 50-book page reads at
 * most 30,000 index entries).
 */
export async function newestBookIds(redis: Redis, prefix: string, start: number, count: number): Promise<string[]> {
  const keys = booksIndexKeys(prefix);
  if (count <= 0) return [];
  if (keys.length === 1) return redis.zrevrange(keys[0]!, start, start + count - 1);
  const entries = (await Promise.all(keys.map((key) => redis.zrevrange(key, 0, start + count - 1, 'WITHSCORES')))).flatMap(pairs).sort((a, b) => compareEntries(b, a));
  return entries.slice(start, start + count).map((e) => e.id);
}

/**
 * Walks the books oldest first, from the one after `after` (or from the first), `batch` ids at a
 * time from each shard. Answers undefined when `after` is in no index (the caller says so).
 */
export async function bookIdsAfter(redis: Redis, prefix: string, after: string | undefined, batch: number): Promise<AsyncGenerator<string> | undefined> {
  const keys = booksIndexKeys(prefix);
  const starts = after === undefined ? keys.map(() => 0) : await ranksAfter(redis, prefix, keys, after);
  if (starts === undefined) return undefined;
  return walk(redis, keys, starts, batch);
}

/** Each shard's rank of its first book after `after` in the merged order, or undefined when `after` is no book. */
async function ranksAfter(redis: Redis, prefix: string, keys: string[], after: string): Promise<number[] | undefined> {
  const own = bookIndexKey(prefix, after);
  const score = await redis.zscore(own, after);
  if (score === null) return undefined;
  const cursor: Entry = { id: after, score: Number(score) };
  return Promise.all(
    keys.map(async (key) => {
      if (key === own) return (await redis.zrank(key, after))! + 1;
      // Every entry before the cursor: lower scores, and those of the same score ordered before its id.
      const [below, same] = await Promise.all([redis.zcount(key, '-inf', `(${score}`), redis.zrangebyscore(key, score, score)]);
      return below + same.filter((id) => compareEntries({ id, score: cursor.score }, cursor) < 0).length;
    }),
  );
}

async function* walk(redis: Redis, keys: string[], starts: number[], batch: number): AsyncGenerator<string> {
  if (keys.length === 1) {
    let start = starts[0]!;
    for (;;) {
      const ids = await redis.zrange(keys[0]!, start, start + batch - 1);
      yield* ids;
      if (ids.length < batch) return;
      start += ids.length;
    }
  }
  const shards = keys.map((key, i) => ({ key, next: starts[i]!, buffer: [] as Entry[], done: false }));
  const fill = async (s: (typeof shards)[number]) => {
    if (s.buffer.length > 0 || s.done) return;
    const got = pairs(await redis.zrange(s.key, s.next, s.next + batch - 1, 'WITHSCORES'));
    s.next += got.length;
    s.buffer = got;
    if (got.length < batch) s.done = true;
  };
  for (;;) {
    await Promise.all(shards.map(fill));
    let first: (typeof shards)[number] | undefined;
    for (const s of shards) if (s.buffer.length > 0 && (first === undefined || compareEntries(s.buffer[0]!, first.buffer[0]!) < 0)) first = s;
    if (first === undefined) return;
    yield first.buffer.shift()!.id;
  }
}

/** `ids` grouped by the shard that holds each (ids in their order within a group), for per-shard pipelines. */
export function groupByShard(prefix: string, ids: readonly string[]): { shard: string; ids: string[]; at: number[] }[] {
  const groups = new Map<string, { shard: string; ids: string[]; at: number[] }>();
  ids.forEach((id, i) => {
    const shard = bookShardPrefix(prefix, id);
    let group = groups.get(shard);
    if (!group) groups.set(shard, (group = { shard, ids: [], at: [] }));
    group.ids.push(id);
    group.at.push(i);
  });
  return [...groups.values()];
}

/**
 * One pipeline per shard (a Cluster serves a shard's keys from one node, and ioredis refuses a
 * pipeline that spans nodes): `add` queues the commands of one id, and the replies come back as
 * one array per id, in the order of `ids`.
 */
export async function pipelinePerShard(
  redis: Redis,
  prefix: string,
  ids: readonly string[],
  add: (pipeline: ReturnType<Redis['pipeline']>, id: string) => void,
): Promise<[Error | null, unknown][][]> {
  const out: [Error | null, unknown][][] = new Array(ids.length);
  await Promise.all(
    groupByShard(prefix, ids).map(async (group) => {
      const pipeline = redis.pipeline();
      for (const id of group.ids) add(pipeline, id);
      const replies = (await pipeline.exec()) ?? [];
      const per = group.ids.length === 0 ? 0 : replies.length / group.ids.length;
      group.at.forEach((at, j) => {
        out[at] = replies.slice(j * per, (j + 1) * per);
      });
    }),
  );
  return out;
}
