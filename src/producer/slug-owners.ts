import { slugOfName } from '../finalizer/book-paths.js';
import type { BookOutput } from '../store/book-output.js';

/**
 * Who holds a slug in a book output, by its files: `free` (no file of that slug), the `source` its
 * manifest names (a book's manifest lists its input first in `sources`), or `unknown` (files but no
 * readable manifest: a book still being written, or files nobody can vouch for).
 */
export type SlugOwner = { holder: 'none' } | { holder: 'book'; source: string } | { holder: 'unknown' };

/** Who holds each slug of an output (see SlugOwner). */
export type SlugOwners = (slug: string) => Promise<SlugOwner>;

/** Largest manifest read to learn its book's source: a manifest lists every chunk, a few hundred bytes each. */
const MANIFEST_READ_LIMIT = 64 * 1024 * 1024;

/** The slugs an output's files use, from one listing of its top-level names. */
export async function listSlugs(out: BookOutput): Promise<ReadonlySet<string>> {
  const used = new Set<string>();
  for (const name of await out.list()) {
    const slug = slugOfName(name);
    if (slug !== undefined) used.add(slug);
  }
  return used;
}

/**
 * Answers who holds a slug from the slugs the output's files use (listSlugs, listed once by the
 * caller), reading that slug's manifest only when asked (an output of a thousand books is not read
 * whole for one submit).
 */
export function readSlugOwners(out: BookOutput, used: ReadonlySet<string>): SlugOwners {
  const known = new Map<string, Promise<SlugOwner>>();
  return (slug) => {
    if (!used.has(slug)) return Promise.resolve({ holder: 'none' });
    let owner = known.get(slug);
    if (!owner) {
      owner = manifestSource(out, `${slug}.json`).then((source) => (source === undefined ? { holder: 'unknown' } : { holder: 'book', source }));
      known.set(slug, owner);
    }
    return owner;
  };
}

/** The first of `sources` in a published manifest, or undefined when there is none, it is too big or it says nothing usable. */
async function manifestSource(out: BookOutput, name: string): Promise<string | undefined> {
  try {
    const stream = await out.read(name);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > MANIFEST_READ_LIMIT) {
        stream.destroy();
        return undefined;
      }
      chunks.push(chunk);
    }
    const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sources?: unknown };
    const first = Array.isArray(manifest.sources) ? (manifest.sources[0] as unknown) : undefined;
    return typeof first === 'string' && first !== '' ? first : undefined;
  } catch {
    return undefined;
  }
}
