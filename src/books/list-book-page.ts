import type { RedisConnection as Redis } from '../queue/connection.js';
import type { BookRecord, BookState } from '../queue/book-record.js';
import type { DamagedBookRecordError } from '../queue/damaged-book-record-error.js';
import { bookKeys } from '../queue/keys.js';
import { bookIdsAfter, pipelinePerShard } from './book-index.js';
import { readBookRecords } from './list-books.js';
import { UnknownCursorError } from './unknown-cursor-error.js';

/** Which page of books to read, oldest first. */
export interface BookPageOptions {
  /** Books on the page (at least 1). */
  limit: number;
  /** Only books whose record is in this state. */
  state?: BookState;
  /** The id of the last book of the previous page: the page starts with the book submitted after it. */
  after?: string;
  /** Told about each record that cannot be read, which is then skipped (see readBookRecords). */
  onDamaged?: (error: DamagedBookRecordError) => void;
}

/** One page of books and, when more follow, the cursor of the next page. */
export interface BookPage {
  books: BookRecord[];
  /** The id to pass as `after` for the next page; absent on the last page. */
  next?: string;
}

// Ids whose state is checked per round trip when a state is asked for: 10,000 books in 10 rounds.
const STATE_BATCH = 1_000;

/**
 * A page of the deployment's books in submit order, read from the books index (a sorted set by
 * submit time; one per shard, walked merged, see book-index.ts) by rank: the cursor's rank is found in O(log n), so page 200 costs what page 1 does,
 * and books submitted in the same millisecond are neither skipped nor repeated. With `state`, the
 * index is walked in batches reading only each record's state field until the page is full: a few
 * milliseconds per thousand books, so no per-state index has to be kept in step with every state
 * change (bench `library-listings` measures the rarest state over 10,000 books).
 */
export async function listBookPage(redis: Redis, prefix: string, options: BookPageOptions): Promise<BookPage> {
  const limit = Math.max(1, Math.floor(options.limit));
  // One more than the page, to know whether another page follows.
  const want = limit + 1;
  const walk = await bookIdsAfter(redis, prefix, options.after, options.state === undefined ? want : STATE_BATCH);
  if (walk === undefined) throw new UnknownCursorError(options.after!, prefix);
  const books: BookRecord[] = [];
  const batch = options.state === undefined ? want : STATE_BATCH;
  let ids: string[] = [];
  const take = async () => {
    const picked = options.state === undefined ? ids : await idsInState(redis, prefix, ids, options.state);
    const records = await readBookRecords(redis, prefix, picked.slice(0, want - books.length), options.onDamaged);
    // The state read above may have moved since: the page shows only books still in it.
    books.push(...(options.state === undefined ? records : records.filter((r) => r.state === options.state)));
    ids = [];
  };
  for await (const id of walk) {
    ids.push(id);
    if (ids.length < (options.state === undefined ? want - books.length : batch)) continue;
    await take();
    if (books.length >= want) break;
  }
  if (ids.length > 0 && books.length < want) await take();
  await walk.return(undefined);
  const page = books.slice(0, limit);
  const last = page.at(-1);
  return books.length > limit && last !== undefined ? { books: page, next: last.bookId } : { books: page };
}

/** The ids among `ids` whose record is in `state`, in one pipeline of HGETs per shard. */
async function idsInState(redis: Redis, prefix: string, ids: readonly string[], state: BookState): Promise<string[]> {
  const replies = await pipelinePerShard(redis, prefix, ids, (pipeline, id) => pipeline.hget(bookKeys(prefix, id).record, 'state'));
  return ids.filter((_, i) => replies[i]?.[0]?.[1] === state);
}
