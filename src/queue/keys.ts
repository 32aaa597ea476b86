import { createHash } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SYNTHESIZE_QUEUE } from './names.js';

/*
 * Every Redis key narrate writes is spelled here, and this is the only file that reads BullMQ's own
 * keys (where BullMQ has no call for what is asked). "Prefix" means one thing per name:
 * - `prefix`: NARRATE_PREFIX as configured (config.prefix), the deployment's name;
 * - `bullPrefix(prefix)`, held as `bullMqPrefix`: that name braced, BullMQ's key prefix and the Cluster
 *   hash tag of every key;
 * - an S3 key prefix is a store's `S3Location.prefix`, and a book's output folder is its `outDir`:
 *   neither is a Redis key.
 */

/**
 * BullMQ's key prefix for a deployment. The braces make it a Redis Cluster hash tag, so every key of
 * a queue lands in one slot (BullMQ's production guide); NARRATE_PREFIX keeps deployments apart.
 * With one shard (NARRATE_SHARDS=1) it is the prefix of every queue; with more it holds only the
 * fleet's own keys (spend, token and request budgets, slugs, the shard count), and each shard has
 * its own (shardPrefixes).
 */
export function bullPrefix(prefix: string): string {
  return `{${prefix}}`;
}

// How many shards each deployment's books are spread over, as this process was told (useShards):
// every key below that belongs to a book follows from it and the book's id.
const shardCounts = new Map<string, number>();

/**
 * Tells this process that deployment `prefix` spreads its books over `shards` hash tags
 * (NARRATE_SHARDS). Set once at start, by whatever opens the fleet's Redis (see fleet-shards.ts),
 * before any book's key is spelled; unset means 1, the layout of a single tag.
 */
export function useShards(prefix: string, shards: number): void {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`Expected \`shards\` to be an integer >= 1, got \`${shards}\``);
  if (shards === 1) shardCounts.delete(prefix);
  else shardCounts.set(prefix, shards);
}

/** The number of shards of deployment `prefix` (1 unless useShards said otherwise). */
export function shardsOf(prefix: string): number {
  return shardCounts.get(prefix) ?? 1;
}

/**
 * The shard a book lives in: the first 32 bits of the MD5 of its id, modulo the shard count. A pure
 * function of the id, so every process of the fleet finds a book in the same shard. (FNV-1a, tried
 * first, put 296, 351 and 353 of 1,000 generated ids in three shards: its last step is a multiply,
 * which leaves the residues of similar ids uneven.)
 */
export function shardOfBook(bookId: string, shards: number): number {
  if (shards <= 1) return 0;
  return createHash('md5').update(bookId, 'utf8').digest().readUInt32BE(0) % shards;
}

const CLUSTER_SLOTS = 16_384;
const tagCache = new Map<string, string[]>();

/**
 * The BullMQ prefix (a hash tag) of each shard of a deployment, shard 0 first. One shard keeps
 * today's `{prefix}`. With N > 1, shard s's tag is `{prefix:s}` (or `{prefix:s.k}`, the first k
 * that fits) whose Cluster slot falls in the s-th N-th of the 16384 slots: a Cluster whose masters
 * hold equal runs of slots (as `redis-cli --cluster create` deals them) then holds an equal number
 * of shards on each master when N is a multiple of the masters, instead of where CRC16 happens to
 * send N names.
 */
export function shardPrefixes(prefix: string, shards: number = shardsOf(prefix)): string[] {
  if (shards <= 1) return [bullPrefix(prefix)];
  const cacheKey = `${shards}\n${prefix}`;
  const cached = tagCache.get(cacheKey);
  if (cached) return cached;
  const tags: string[] = [];
  for (let s = 0; s < shards; s++) {
    const low = Math.floor((s * CLUSTER_SLOTS) / shards);
    const high = Math.floor(((s + 1) * CLUSTER_SLOTS) / shards);
    for (let k = 0; ; k++) {
      const tag = k === 0 ? `${prefix}:${s}` : `${prefix}:${s}.${k}`;
      const slot = clusterSlot(tag);
      if (slot >= low && slot < high) {
        tags.push(`{${tag}}`);
        break;
      }
    }
  }
  tagCache.set(cacheKey, tags);
  return tags;
}

/** The BullMQ prefix of the shard that holds book `bookId`: its queues, flow and keys. */
export function bookShardPrefix(prefix: string, bookId: string): string {
  const shards = shardsOf(prefix);
  return shardPrefixes(prefix, shards)[shardOfBook(bookId, shards)]!;
}

/** The key recording the fleet's shard count (absent: 1), which every process checks against its own NARRATE_SHARDS. */
export function fleetShardsKey(prefix: string): string {
  return `${bullPrefix(prefix)}:shards`;
}

/** Redis Cluster's slot of a hash tag's content: CRC16 (XMODEM) modulo 16384, as the Cluster specification defines it. */
export function clusterSlot(tag: string): number {
  let crc = 0;
  for (const byte of Buffer.from(tag, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % CLUSTER_SLOTS;
}

/**
 * The keys of one book, in its shard's hash tag so a Cluster keeps them in one slot with the
 * shard's queues (the book's flow). `segments`: the segment keys and text objects the book holds
 * (see segment-ref-scripts.ts). Its plan is in the store; the record holds its key.
 */
export function bookKeys(prefix: string, bookId: string): { record: string; done: string; segments: string } {
  const base = `${bookShardPrefix(prefix, bookId)}:book:${bookId}`;
  return { record: base, done: `${base}:done`, segments: `${base}:segments` };
}

/**
 * Which book each submission queued, one hash per shard (`shardPrefix`: one of shardPrefixes):
 * identity (the source's bytes and the settings, hashed) → book id, written in the MULTI that
 * queues the book (so in the book's shard), so a rerun of an interrupted submit skips the books
 * already in and queues only the others.
 */
export function submittedKey(shardPrefix: string): string {
  return `${shardPrefix}:submitted`;
}

/**
 * Books submitted and not yet in BullMQ, in one shard (`shardPrefix`, see shardPrefixes): a list of
 * book ids in submit order. A worker promotes the head of it (the book's `finalize` and `enqueue`
 * jobs, see promoteBooks) as the shard's enqueue queue empties, so a queued library costs Redis its
 * records, not two BullMQ jobs a book. In the shard's hash tag, so it goes in the book's MULTI.
 */
export function admitKeyIn(shardPrefix: string): string {
  return `${shardPrefix}:admit`;
}

/** The admission list that holds book `bookId` (its shard's). */
export function bookAdmitKey(prefix: string, bookId: string): string {
  return admitKeyIn(bookShardPrefix(prefix, bookId));
}

/** A book's record key, from its shard's BullMQ prefix (a queue's): for readers that hold a queue, not the deployment's prefix. */
export function bookRecordKeyIn(shardPrefix: string, bookId: string): string {
  return `${shardPrefix}:book:${bookId}`;
}

/** The submission markers of the shard of book `bookId`. */
export function bookSubmittedKey(prefix: string, bookId: string): string {
  return submittedKey(bookShardPrefix(prefix, bookId));
}

/**
 * The index of the books of one shard (every book with one shard): a sorted set of book ids scored
 * by submit time (ms). Listings merge the shards' indexes (see books/merged-book-index.ts).
 */
export function booksIndexKey(shardPrefix: string): string {
  return `${shardPrefix}:books`;
}

/** The index that holds book `bookId` (its shard's). */
export function bookIndexKey(prefix: string, bookId: string): string {
  return booksIndexKey(bookShardPrefix(prefix, bookId));
}

/** Every shard's books index, shard 0 first. */
export function booksIndexKeys(prefix: string): string[] {
  return shardPrefixes(prefix).map(booksIndexKey);
}

/**
 * One chapter's attribution for a cast (who speaks each quotation), under its content key (the model
 * and the chapter's text, see cast/attribution-key.ts): a JSON list of names, kept for a while so a
 * re-run asks the model nothing.
 */
export function attributionCacheKey(prefix: string, contentKey: string): string {
  return `${bullPrefix(prefix)}:cast:${contentKey}`;
}

/**
 * Which books hold each slug of each output, so two submits (on any hosts, at the same moment)
 * never give one file name to two different books: one hash per deployment, field
 * `<outDir>\n<slug>`, value a JSON list of holders `{ bookId, source, at }`.
 */
export function slugClaimsKey(prefix: string): string {
  return `${bullPrefix(prefix)}:slugs`;
}

/**
 * Which segments the books in Redis hold, kept so that `narrate store prune` never removes one a
 * book needs, whatever state the book is in and however long its jobs have been trimmed:
 * - each book's set of segment keys (`book:<id>:segments`, see bookKeys): the keys its submit
 *   expects and every key a worker looked up or stored for it;
 * - `segments:books`, a hash of segment key → number of books in Redis whose set holds it;
 * - `segments:removing`, a sorted set of segment keys a prune is deleting right now (score: until
 *   when, in ms of Redis's clock).
 * A prune claims a segment (CLAIM_SEGMENT) only if no book holds it, and a worker records a key
 * (USE_SEGMENTS) before it looks the segment up; Redis runs the two one after the other, so either
 * the prune sees the book's hold and keeps the segment, or the worker sees the claim and waits for
 * the delete before it looks (and then narrates the chunk, as the segment is gone). Each shard
 * keeps its own two keys in its tag, beside its books (`shardPrefix`: one of shardPrefixes): a
 * worker records a book's hold in the book's shard only, and a prune claims a segment in every
 * shard before it deletes it (letting go of all if one shard holds it), so the same argument holds
 * shard by shard.
 */
export function segmentRefKeys(shardPrefix: string): { books: string; removing: string } {
  const base = `${shardPrefix}:segments`;
  return { books: `${base}:books`, removing: `${base}:removing` };
}

/** The segment holds of the shard of book `bookId`, where its own hold is counted. */
export function bookSegmentRefKeys(prefix: string, bookId: string): { books: string; removing: string } {
  return segmentRefKeys(bookShardPrefix(prefix, bookId));
}

/** How long a day's spend counter is kept (three days: NARRATE_DAILY_BUDGET reads today's alone). */
export const DAY_SPEND_TTL_S = 259_200;

/** Keys of the fleet's spend: one counter per UTC day (kept DAY_SPEND_TTL_S), and the fleet's totals. */
export function spendKeys(prefix: string, day: string = new Date().toISOString().slice(0, 10)): { day: string; fleet: string } {
  return { day: `${bullPrefix(prefix)}:spend:${day}`, fleet: `${bullPrefix(prefix)}:spend` };
}

/** The sorted set of the fleet's token admissions (NARRATE_TPM: see token-budget.ts), beside the synthesize queue. */
export function tokenBudgetKey(prefix: string): string {
  return `${bullPrefix(prefix)}:${SYNTHESIZE_QUEUE}:tpm`;
}

/**
 * The sorted set of the fleet's model requests over the last minute (NARRATE_RPM with more than one
 * shard, where BullMQ's limiter, one per queue, would grant the budget once per shard).
 */
export function requestBudgetKey(prefix: string): string {
  return `${bullPrefix(prefix)}:${SYNTHESIZE_QUEUE}:rpm`;
}

/** A queue's name as BullMQ qualifies it (`{prefix}:finalize`): what a flow's parent reference names. */
export function queueQualifiedName(bullMqPrefix: string, queue: string): string {
  return `${bullMqPrefix}:${queue}`;
}

/**
 * How many children of each job of `queueName` have completed, read from BullMQ's `processed` hash
 * of each through `client`'s connection (any queue of the deployment): the
 * calls of one pipeline, sent in the same tick, so one round trip in all. BullMQ's own
 * Job.getDependenciesCount needs each job fetched first, a round trip per job.
 */
export async function countProcessedChildren(client: Queue, queueName: string, jobIds: readonly string[]): Promise<number[]> {
  const redis = (await client.client) as unknown as Redis;
  const base = `${bullPrefixOf(client)}:${queueName}`;
  return Promise.all(jobIds.map((id) => redis.hlen(`${base}:${id}:processed`)));
}

/**
 * Whether a job's parent has failed, from the parent reference BullMQ gives the child: BullMQ fails
 * a parent in the same step as the child that failed it, and a child holds no Queue of its parent.
 */
export async function parentHasFailed(queue: Queue, parent: NonNullable<Job['parent']>): Promise<boolean> {
  if (parent.id === undefined) return false;
  const client = (await queue.client) as unknown as Redis;
  return (await client.zscore(`${parent.queueKey}:failed`, parent.id)) !== null;
}

/** The BullMQ prefix a queue was opened with (BullMQ's default, `bull`, when none was given). */
export function bullPrefixOf(queue: Pick<Queue, 'opts'>): string {
  return queue.opts.prefix ?? 'bull';
}

/**
 * The reason BullMQ recorded for a job's failure, read from the job's hash by its key
 * (`<bullPrefix>:<queue>:<id>`): for a job read just before it failed, whose object predates it.
 */
export async function readFailedReason(queue: Queue, jobKey: string): Promise<string | undefined> {
  const client = (await queue.client) as unknown as Redis;
  return (await client.hget(jobKey, 'failedReason')) ?? undefined;
}

/** A completed job's result read by its key (a job read just before it completed was read without it). */
export async function readReturnValue<T>(queue: Queue, jobKey: string): Promise<T | undefined> {
  const client = (await queue.client) as unknown as Redis;
  const raw = await client.hget(jobKey, 'returnvalue');
  return raw ? (JSON.parse(raw) as T) : undefined;
}

/**
 * The key of the first child whose failure failed a job (`failParentOnFailure`), or undefined: what
 * BullMQ's Job.getDependencies reports as `failed`, read by the job's key, since a job read before it
 * failed, and the part below a book, are known here by key only.
 */
export async function firstFailedChild(queue: Queue, jobKey: string): Promise<string | undefined> {
  const client = (await queue.client) as unknown as Redis;
  const [first] = await client.zrange(`${jobKey}:unsuccessful`, 0, 0);
  return first;
}
