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
 */
export function bullPrefix(prefix: string): string {
  return `{${prefix}}`;
}

/**
 * The keys of one book, in the deployment's `{prefix}` hash tag so a Cluster keeps them in one slot
 * with the queues. `segments`: the segment keys and text objects the book holds (see
 * segment-ref-scripts.ts). Its plan is in the store; the record holds its key.
 */
export function bookKeys(prefix: string, bookId: string): { record: string; done: string; segments: string } {
  const base = `${bullPrefix(prefix)}:book:${bookId}`;
  return { record: base, done: `${base}:done`, segments: `${base}:segments` };
}

/**
 * Which book each submission queued: a hash of identity (the source's bytes and the settings,
 * hashed) → book id, written in the MULTI that queues the book, so a rerun of an interrupted
 * submit skips the books already in and queues only the others.
 */
export function submittedKey(prefix: string): string {
  return `${bullPrefix(prefix)}:submitted`;
}

/** The index of every book of a deployment: a sorted set of book ids scored by submit time (ms). */
export function booksIndexKey(prefix: string): string {
  return `${bullPrefix(prefix)}:books`;
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
 * the delete before it looks (and then narrates the chunk, as the segment is gone). All keys share
 * the deployment's `{prefix}` hash tag, so a Cluster keeps them in one slot.
 */
export function segmentRefKeys(prefix: string): { books: string; removing: string } {
  const base = `${bullPrefix(prefix)}:segments`;
  return { books: `${base}:books`, removing: `${base}:removing` };
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
