import { bullPrefix } from './names.js';

/**
 * The keys of one book, in the deployment's `{prefix}` hash tag so a Cluster keeps them in one slot
 * with the queues. `segments`: the segment keys the book holds (see segment-ref-scripts.ts).
 */
export function bookKeys(prefix: string, bookId: string): { record: string; plan: string; done: string; segments: string } {
  const base = `${bullPrefix(prefix)}:book:${bookId}`;
  return { record: base, plan: `${base}:plan`, done: `${base}:done`, segments: `${base}:segments` };
}

/** The index of every book of a deployment: a sorted set of book ids scored by submit time (ms). */
export function booksIndexKey(prefix: string): string {
  return `${bullPrefix(prefix)}:books`;
}
