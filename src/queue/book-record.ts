import type { RedisConnection as Redis } from './connection.js';
import type { ChainableCommander } from 'ioredis';
import type { SegmentStore } from '../store/segment-store.js';
import type { StoredBook } from './build-flow.js';
import type { StoredPlan } from '../contracts/job-data.js';
import { bookAdmitKey, bookIndexKey, bookKeys, bookSegmentRefKeys, bookSubmittedKey, shardPrefixes, shardsOf, submittedKey } from './keys.js';
import { addFleetSpend } from './fleet-spend.js';
import { RELEASE_BOOK_SEGMENTS, USE_SEGMENTS } from './segment-ref-scripts.js';
import { DamagedBookRecordError } from './damaged-book-record-error.js';
import { releaseSlug } from './slug-claims.js';

export { bookKeys, bookIndexKey, submittedKey } from './keys.js';

/**
 * A book's state as operators see it. `cancelled` and `over-budget` are set by people and caps,
 * not by BullMQ; the others follow the book's jobs.
 */
export type BookState = 'queued' | 'narrating' | 'finalizing' | 'done' | 'failed' | 'cancelled' | 'over-budget';
export const BOOK_STATES: readonly BookState[] = ['queued', 'narrating', 'finalizing', 'done', 'failed', 'cancelled', 'over-budget'];
/** States a book stays in until someone retries it (done stays for good). */
export const STOPPED_STATES: readonly BookState[] = ['failed', 'cancelled', 'over-budget'];
/** States in which a book makes no model call. */
export const FINISHED_STATES: readonly BookState[] = ['done', 'failed', 'cancelled', 'over-budget'];

/** One book as the record in Redis holds it: what `narrate list`, status and the dashboard show. */
export interface BookRecord {
  bookId: string;
  title: string;
  author: string;
  state: BookState;
  chunksDone: number;
  chunksTotal: number;
  /** Dollars spent on model calls for this book so far, every reading (rejected ones too) and every run. */
  costUsd: number;
  /** Part of costUsd that bought readings the verbatim check rejected: the price of fidelity. */
  rejectedCostUsd: number;
  /** Readings rejected by the verbatim check so far. */
  rejectedReadings: number;
  /** The estimate made at submit, in dollars (absent for books submitted without one). */
  estimateUsd?: number;
  /** The book's spending cap in dollars (--max-cost / maxCost:), absent when uncapped. */
  maxCostUsd?: number;
  /** Part of costUsd the cast's attribution calls cost at submit (0 when every chapter came from the cache); absent without a model-attributed cast. */
  castCostUsd?: number;
  /** ISO time of the submit. */
  createdAt: string;
  updatedAt: string;
  /** Why the book failed, was cancelled or went over budget. */
  reason?: string;
  /** The finished book and its manifest (state done). */
  output?: string;
  manifest?: string;
  /** Length of the finished book's audio. */
  durationMs?: number;
  /** Webhook for the book's end (never a secret: the signing key stays in the workers' environment). */
  notify?: string;
  /** Text files the book was made from. */
  sources: string[];
}

/** What the submit knows about a book beyond its plan. */
export interface NewBookFields {
  estimateUsd?: number;
  maxCostUsd?: number;
  /**
   * What the cast's attribution calls cost at submit, made before the book existed: it starts the
   * book's costUsd and is charged to the day and the fleet, like a reading. Absent without a model-attributed cast.
   */
  castCostUsd?: number;
  notify?: string;
  /**
   * The segment keys the book's chunks are expected to have (the submitting host's narrator), and
   * its text objects (`texts/<hash>`): held from the submit on, so a prune keeps what a queued
   * book will read or reuse.
   */
  segmentKeys?: readonly string[];
  /** What the book was submitted from (source and settings, hashed): a rerun of the same submit finds it queued (see submittedKey). */
  identity?: string;
}

/**
 * Adds to `multi` what writes a new book's record (with its plan's key in the store, so a retry
 * works after the source files are gone), its index entry, the segments and texts it holds, and
 * its submission marker: queued together with its flow in one MULTI, the book is in Redis whole or
 * not at all.
 */
export function addBookRecord(multi: ChainableCommander, prefix: string, book: StoredBook, fields: NewBookFields = {}): ChainableCommander {
  const f = book.stored.finalize;
  const keys = bookKeys(prefix, f.bookId);
  const created = Date.parse(f.submittedAt) || Date.now();
  const hash: Record<string, string> = {
    bookId: f.bookId,
    title: f.title,
    author: f.author,
    state: 'queued',
    chunksTotal: String(f.chunks.length),
    partsTotal: String(f.parts.length),
    plan: book.plan,
    costUsd: '0',
    rejectedCostUsd: '0',
    rejectedReadings: '0',
    createdAt: new Date(created).toISOString(),
    updatedAt: new Date().toISOString(),
    sources: JSON.stringify(f.sources),
    // Where its files go, so removing the record frees its slug there (slug-claims.ts).
    outDir: f.outDir,
    slug: f.slug,
  };
  if (fields.estimateUsd !== undefined) hash.estimateUsd = String(fields.estimateUsd);
  if (fields.maxCostUsd !== undefined) hash.maxCostUsd = String(fields.maxCostUsd);
  if (fields.notify !== undefined) hash.notify = fields.notify;
  if (fields.identity !== undefined) hash.identity = fields.identity;
  const cast = fields.castCostUsd;
  if (cast !== undefined) {
    hash.castCostUsd = cast.toFixed(9);
    hash.costUsd = cast.toFixed(9);
  }
  // Every key here is in the book's shard (one hash tag), so the MULTI holds on a Cluster too.
  const refs = bookSegmentRefKeys(prefix, f.bookId);
  multi.del(keys.done).hset(keys.record, hash).zadd(bookIndexKey(prefix, f.bookId), created, f.bookId);
  if (fields.identity !== undefined) multi.hset(bookSubmittedKey(prefix, f.bookId), { [fields.identity]: f.bookId });
  // Charged with the record, in the same MULTI: the day's and the fleet's spend count the calls exactly
  // once. With several shards the fleet's keys are in another slot: the caller charges them just
  // after (fleetSpendAfterRecord).
  if (cast !== undefined && shardsOf(prefix) === 1) addFleetSpend(multi, prefix, cast);
  // After the HSET: the script records keys only for a book that is in Redis.
  if (fields.segmentKeys && fields.segmentKeys.length > 0) multi.eval(USE_SEGMENTS, 4, keys.record, keys.segments, refs.books, refs.removing, ...fields.segmentKeys);
  return multi;
}

/**
 * What addBookRecord could not put in the book's MULTI: with several shards, the fleet's spend on
 * the cast's attribution (fleet keys, another slot), charged once the book is in. A submit killed in
 * between leaves those calls on the book's cost but off the day's and the fleet's.
 */
export async function fleetSpendAfterRecord(redis: Redis, prefix: string, fields: Pick<NewBookFields, 'castCostUsd'>): Promise<void> {
  if (fields.castCostUsd !== undefined && shardsOf(prefix) > 1) await addFleetSpend(redis.multi(), prefix, fields.castCostUsd).exec();
}

/** Writes a new book's record alone (see addBookRecord), in one MULTI. */
export async function createBookRecord(redis: Redis, prefix: string, book: StoredBook, fields: NewBookFields = {}): Promise<void> {
  await addBookRecord(redis.multi(), prefix, book, fields).exec();
}

/** Why a book's plan cannot be read: no such book, or its plan's text is gone from the store. */
export type PlanLookup = { book: StoredBook } | { missing: 'book' } | { missing: 'text'; key: string };

/** The plan a book was submitted with, read from the store where its record points. */
export async function readBookPlan(redis: Redis, store: Pick<SegmentStore, 'getText'>, prefix: string, bookId: string): Promise<PlanLookup> {
  const key = await redis.hget(bookKeys(prefix, bookId).record, 'plan');
  if (key === null) return { missing: 'book' };
  const body = await store.getText(key);
  if (body === undefined) return { missing: 'text', key };
  return { book: { plan: key, stored: JSON.parse(body.toString('utf8')) as StoredPlan } };
}

/** How many chunks and parts a book has, as its record says: what removing its jobs by id needs. */
export async function readBookShape(redis: Redis, prefix: string, bookId: string): Promise<{ chunks: number; parts: number } | undefined> {
  const [chunks, parts] = await redis.hmget(bookKeys(prefix, bookId).record, 'chunksTotal', 'partsTotal');
  if (chunks === null) return undefined;
  return { chunks: Number(chunks) || 0, parts: Number(parts) || 0 };
}

/**
 * The book a submission with this identity queued, while that book is still on its way (queued,
 * narrating, finalizing): a rerun of the submit leaves it be. A book that ended (done, failed,
 * cancelled) or is gone is submitted anew, as a new book (its stored segments cost nothing again).
 */
export async function submittedBook(redis: Redis, prefix: string, identity: string): Promise<string | undefined> {
  // The marker is in the book's shard, which the identity does not tell: every shard is asked.
  const found = await Promise.all(shardPrefixes(prefix).map((shard) => redis.hget(submittedKey(shard), identity)));
  const bookId = found.find((id) => id !== null);
  if (bookId === undefined || bookId === null) return undefined;
  const state = await redis.hget(bookKeys(prefix, bookId).record, 'state');
  return state !== null && !(FINISHED_STATES as readonly string[]).includes(state) ? bookId : undefined;
}

/** One book's record, or undefined when there is no such book. */
export async function readBookRecord(redis: Redis, prefix: string, bookId: string): Promise<BookRecord | undefined> {
  const keys = bookKeys(prefix, bookId);
  const [hash, done] = await Promise.all([redis.hgetall(keys.record), redis.bitcount(keys.done)]);
  return parseRecord(keys.record, hash, done);
}

/**
 * Moves a book to `state` unless it is in one of `unlessIn` (atomically, so a cancel and a
 * failure racing each other end in one state). Returns the previous state when it moved, else
 * undefined (no such book, or a state it must not leave).
 */
const SET_STATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local cur = redis.call('HGET', KEYS[1], 'state')
for s in string.gmatch(ARGV[2], '[^,]+') do if s == cur then return false end end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updatedAt', ARGV[3])
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return cur
`;

/** Fields set with a state change; an empty string removes the field. */
export type StateFields = Partial<Record<'reason' | 'output' | 'manifest' | 'durationMs' | 'maxCostUsd', string>>;

/** Sets a book's state (and fields) unless it is in one of `unlessIn`; answers the previous state when it moved. */
export async function setBookState(
  redis: Redis,
  prefix: string,
  bookId: string,
  state: BookState,
  options: { unlessIn?: readonly BookState[]; fields?: StateFields } = {},
): Promise<BookState | undefined> {
  const pairs = Object.entries(options.fields ?? {}).flat() as string[];
  const previous = await redis.eval(SET_STATE, 1, bookKeys(prefix, bookId).record, state, (options.unlessIn ?? []).join(','), new Date().toISOString(), ...pairs);
  return typeof previous === 'string' ? (previous as BookState) : undefined;
}

/**
 * Marks chunk `index` done (a bit per chunk, so a chunk done twice counts once) and moves a queued
 * book to narrating, and a book whose every chunk is done to finalizing.
 */
const CHUNK_DONE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SETBIT', KEYS[2], ARGV[1], 1)
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'queued' or state == 'narrating' then
  local total = tonumber(redis.call('HGET', KEYS[1], 'chunksTotal') or '0')
  local next = 'narrating'
  if redis.call('BITCOUNT', KEYS[2]) >= total then next = 'finalizing' end
  if next ~= state then redis.call('HSET', KEYS[1], 'state', next, 'updatedAt', ARGV[2]) end
end
if tonumber(ARGV[3]) > 0 then
  redis.call('HINCRBYFLOAT', KEYS[1], 'rejectedCostUsd', ARGV[3])
end
if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[1], 'rejectedReadings', ARGV[4]) end
return 1
`;

/** Records a finished chunk: done, and what its rejected readings cost (the price of fidelity). */
export async function markChunkDone(redis: Redis, prefix: string, bookId: string, index: number, rejected: { costUsd: number; readings: number } = { costUsd: 0, readings: 0 }): Promise<void> {
  const keys = bookKeys(prefix, bookId);
  await redis.eval(CHUNK_DONE, 2, keys.record, keys.done, index, new Date().toISOString(), rejected.costUsd, rejected.readings);
}

/**
 * Removes a book's record, index entry and submission marker, lets go of the segments and texts it held (a prune may now
 * remove those no other book holds), and gives back its slug; its jobs are the caller's business.
 */
export async function removeBookRecord(redis: Redis, prefix: string, bookId: string): Promise<void> {
  const keys = bookKeys(prefix, bookId);
  const [outDir, slug, identity] = await redis.hmget(keys.record, 'outDir', 'slug', 'identity');
  const multi = redis
    .multi()
    .eval(RELEASE_BOOK_SEGMENTS, 2, keys.segments, bookSegmentRefKeys(prefix, bookId).books)
    .del(keys.record, keys.done)
    .zrem(bookIndexKey(prefix, bookId), bookId)
    .lrem(bookAdmitKey(prefix, bookId), 0, bookId);
  // A submit of the same source and settings queues the book anew once this one is gone.
  if (identity) multi.hdel(bookSubmittedKey(prefix, bookId), identity);
  await multi.exec();
  // Its files' name is free for another book once nothing in Redis can write them again.
  if (outDir && slug) await releaseSlug(redis, prefix, outDir, slug, bookId);
}

/** A record as Redis holds it, checked field by field: a damaged field throws a DamagedBookRecordError naming it. */
export function parseRecord(key: string, hash: Record<string, string> | undefined, done: number): BookRecord | undefined {
  if (!hash || hash.bookId === undefined) return undefined;
  const bookId = hash.bookId;
  const damaged = (field: string, expected: string): never => {
    throw new DamagedBookRecordError(bookId, key, `${field} is not ${expected}: ${shown(hash[field])}`);
  };
  const num = (field: string): number | undefined => {
    const v = hash[field];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : damaged(field, 'a number >= 0');
  };
  const state = hash.state ?? 'queued';
  if (!BOOK_STATES.includes(state as BookState)) damaged('state', `one of ${BOOK_STATES.join(', ')}`);
  const record: BookRecord = {
    bookId,
    title: hash.title ?? '',
    author: hash.author ?? '',
    state: state as BookState,
    chunksDone: Math.min(done, num('chunksTotal') ?? done),
    chunksTotal: num('chunksTotal') ?? 0,
    costUsd: num('costUsd') ?? 0,
    rejectedCostUsd: num('rejectedCostUsd') ?? 0,
    rejectedReadings: num('rejectedReadings') ?? 0,
    createdAt: hash.createdAt ?? '',
    updatedAt: hash.updatedAt ?? '',
    sources: hash.sources ? parseSources(hash.sources) ?? damaged('sources', 'a JSON list of file names') : [],
  };
  const optional = {
    estimateUsd: num('estimateUsd'),
    maxCostUsd: num('maxCostUsd'),
    castCostUsd: num('castCostUsd'),
    durationMs: num('durationMs'),
    reason: hash.reason,
    output: hash.output,
    manifest: hash.manifest,
    notify: hash.notify,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (record as unknown as Record<string, unknown>)[k] = v;
  return record;
}

function parseSources(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A damaged value for a message: quoted, control characters escaped, cut at 60 characters. */
function shown(value: string | undefined): string {
  if (value === undefined) return '(missing)';
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
