import type { ClaimOutcome, SlugHolder } from '../queue/slug-claims.js';
import { newBookId } from './new-book-id.js';
import type { SlugOwners } from './slug-owners.js';

/** A book wanting a slug: the one its title makes, and its source (the absolute path of its input). */
export interface SlugWish {
  base: string;
  source: string;
}

/** What decides whether a slug is free for a book. */
export interface SlugChecks {
  /** Who holds a slug in the output, by its files (its manifest names its source). */
  owners: SlugOwners;
  /** Takes a slug in Redis for a book (absent for `plan`, which only looks and takes nothing). */
  claim?: (slug: string, holder: SlugHolder) => Promise<ClaimOutcome>;
  /** Gives back a slug taken with `claim`. */
  release?: (slug: string, bookId: string) => Promise<void>;
}

/** A book's slug and the id it was claimed under. */
export interface ChosenSlug {
  slug: string;
  bookId: string;
}

/**
 * Gives each book, in order, a slug no other book holds, so a book never replaces another's files:
 * its title's own slug, else the first free of `-2`, `-3`, ... A slug is held by another book of
 * this batch (a book whose title makes exactly that slug keeps it: "Same 2" stays `same-2`), by
 * the output's files (a manifest of another source, or files without a manifest), or in Redis by
 * a book still there, queued, running, failed or done (claim). A book of the same source (the same
 * book run again) may take back its own slug and replace its own files.
 */
export async function chooseSlugs(books: SlugWish[], checks: SlugChecks): Promise<ChosenSlug[]> {
  const lastWith = new Map(books.map((b, i) => [b.base, i]));
  const used = new Set<string>();
  const chosen: (ChosenSlug | undefined)[] = [];
  // A title no other book of the batch shares asks for its own slug first, all such books at once
  // (one Redis round trip for a batch, not one per book): no other book's choice can change the
  // answer, as a book only ever takes another's title slug after that book (lastWith below).
  const wanting = new Map<string, number>();
  for (const b of books) wanting.set(b.base, (wanting.get(b.base) ?? 0) + 1);
  const alone = books.map((b) => wanting.get(b.base) === 1);
  const first = await Promise.all(books.map((book, i) => (alone[i] ? isFree(book.base, i, book) : undefined)));
  for (const [i, book] of books.entries()) {
    const bookId = first[i];
    if (bookId !== undefined) {
      used.add(book.base);
      chosen[i] = { slug: book.base, bookId };
    }
  }
  for (const [i, book] of books.entries()) {
    if (chosen[i] !== undefined) continue;
    for (let n = alone[i] ? 2 : 1; ; n++) {
      const slug = n === 1 ? book.base : `${book.base}-${n}`;
      const bookId = await isFree(slug, i, book);
      if (bookId === undefined) continue;
      used.add(slug);
      chosen[i] = { slug, bookId };
      break;
    }
  }
  return chosen as ChosenSlug[];

  /** The book id the slug was claimed under when `slug` is free for book `i`, else undefined. */
  async function isFree(slug: string, i: number, book: SlugWish): Promise<string | undefined> {
    if (used.has(slug)) return undefined;
    // Kept for a later book of this batch whose title makes exactly this slug.
    if (slug !== book.base && (lastWith.get(slug) ?? -1) > i) return undefined;
    const owner = await checks.owners(slug);
    if (owner.holder === 'book' && owner.source !== book.source) return undefined;
    const bookId = newBookId(slug);
    if (!checks.claim) return owner.holder === 'unknown' ? undefined : bookId;
    const outcome = await checks.claim(slug, { bookId, source: book.source });
    if (outcome === 'taken') return undefined;
    // Files with no manifest are this book's only when a live book of its source is writing them.
    if (owner.holder === 'unknown' && outcome !== 'shared') {
      await checks.release?.(slug, bookId);
      return undefined;
    }
    return bookId;
  }
}
