import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import type { LoadedBook } from './load-book.js';
import type { SubmitOptions } from './prepare-books.js';

/**
 * What says two submits queue the same book: the input's path, the bytes of every file the book is
 * made from, the submit's flags, and the deployment settings a plan depends on (voice, parts,
 * provider, model). A rerun of the same submit gives every book the same identity, so the books an
 * interrupted submit queued are found and skipped; an edited file or another flag makes a new book.
 */
export async function submissionIdentity(
  book: Pick<LoadedBook, 'source' | 'files'>,
  options: SubmitOptions,
  config: Pick<Config, 'defaultVoice' | 'partChars' | 'provider' | 'model' | 'lexicon'>,
  read: (path: string) => Promise<Buffer>,
): Promise<string> {
  const hash = createHash('sha256');
  const settings = { options, defaultVoice: config.defaultVoice, partChars: config.partChars, provider: config.provider, model: config.model, lexicon: config.lexicon };
  hash.update(JSON.stringify([1, resolve(book.source), book.files, sorted(settings)]));
  for (const file of book.files) {
    const bytes = await read(file);
    // Each file's length first, so no two lists of files hash the same when joined.
    hash.update(`\n${bytes.length}\n`).update(bytes);
  }
  // 128 bits: a submission marker per book in Redis, with no realistic chance of two books meeting.
  return hash.digest('hex').slice(0, 32);
}

/** `value` with every object's keys sorted and undefined fields left out, so equal settings always print the same. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sorted(v)]),
  );
}
