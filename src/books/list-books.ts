import type { RedisConnection as Redis } from '../queue/connection.js';
import { parseRecord, type BookRecord, type BookState } from '../queue/book-record.js';
import { DamagedBookRecordError } from '../queue/damaged-book-record-error.js';
import { bookKeys } from '../queue/keys.js';
import { allBookIds, pipelinePerShard } from './book-index.js';

/** What listBooks does besides listing. */
export interface ListBooksOptions {
  /** Only books in this state. */
  state?: BookState;
  /**
   * Told about each record that cannot be read, which is then skipped; without it such a record
   * fails the whole listing (with a DamagedBookRecordError naming it).
   */
  onDamaged?: (error: DamagedBookRecordError) => void;
}

/** Every book of the deployment, oldest first, optionally only those in `state` (listBookPage reads a page at a time). */
export async function listBooks(redis: Redis, prefix: string, options: ListBooksOptions = {}): Promise<BookRecord[]> {
  const ids = await allBookIds(redis, prefix);
  const books = await readBookRecords(redis, prefix, ids, options.onDamaged);
  return options.state === undefined ? books : books.filter((b) => b.state === options.state);
}

/**
 * The records of `ids`, in their order, in one pipeline per shard; ids with no record are left out. A record
 * that cannot be read goes to `onDamaged` and is skipped, or without it fails the whole read.
 */
export async function readBookRecords(redis: Redis, prefix: string, ids: readonly string[], onDamaged?: (error: DamagedBookRecordError) => void): Promise<BookRecord[]> {
  if (ids.length === 0) return [];
  const replies = await pipelinePerShard(redis, prefix, ids, (pipeline, id) => {
    const keys = bookKeys(prefix, id);
    pipeline.hgetall(keys.record);
    pipeline.bitcount(keys.done);
  });
  const books: BookRecord[] = [];
  for (let i = 0; i < ids.length; i++) {
    const [hashErr, hash] = replies[i]?.[0] ?? [];
    const [doneErr, done] = replies[i]?.[1] ?? [];
    if (hashErr || doneErr) throw hashErr ?? doneErr;
    let record: BookRecord | undefined;
    try {
      record = parseRecord(bookKeys(prefix, ids[i]!).record, hash as Record<string, string>, done as number);
    } catch (error) {
      if (!(error instanceof DamagedBookRecordError) || onDamaged === undefined) throw error;
      onDamaged(error);
      continue;
    }
    if (record) books.push(record);
  }
  return books;
}
