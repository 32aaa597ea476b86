import { createHash } from 'node:crypto';

/**
 * Texts (a book's plan, a part's chunk texts) live in the store beside the segments, under the hash
 * of their bytes: the same text is one object however many books hold it, and an object never
 * changes, so a worker may cache it for good. The store names one `texts/<hash>` (see
 * StoredObject) so that prune and the segments' holds (segment-refs.ts) tell texts from segments.
 */
export const TEXT_PREFIX = 'texts/';

/** The content key of a text object: sha256 of its bytes, hex. */
export function textKey(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** A text object's name in prune's listing and in the books' holds: `texts/<hash>`. */
export function textObjectName(key: string): string {
  return `${TEXT_PREFIX}${key}`;
}

/** The text key inside an object name, or undefined when the name is a segment's. */
export function textKeyOf(name: string): string | undefined {
  return name.startsWith(TEXT_PREFIX) ? name.slice(TEXT_PREFIX.length) : undefined;
}
