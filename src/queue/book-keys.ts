import { bullPrefix } from './names.js';

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
