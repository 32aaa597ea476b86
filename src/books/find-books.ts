import type { RedisConnection as Redis } from '../queue/connection.js';
import { bookKeys } from '../queue/keys.js';
import { allBookIds, countBooks, newestBookIds, pipelinePerShard } from './book-index.js';

/** A page of the newest books, optionally only those whose title contains `search`. */
export interface FindBooksQuery {
  /** 1-based; a page past the last is read as the last. */
  page: number;
  perPage: number;
  /** Case-insensitive, compared after Unicode normalisation (NFKC), anywhere in the title. */
  search?: string;
}

/** The ids of one page, newest first, and where it stands among the pages. */
export interface FoundBooks {
  ids: string[];
  /** Books that match (every book without a search). */
  total: number;
  page: number;
  pages: number;
}

/**
 * The ids of a page of books, newest first, from the books index. Without a search, by rank
 * (ZREVRANGE: page 200 costs what page 1 does). With one, every title is compared; `titles` caches
 * them between calls (a title never changes after the submit), so a search re-read each second by
 * a live page reads only the titles of books it has not seen, and the index.
 */
export async function findBooks(redis: Redis, prefix: string, query: FindBooksQuery, titles: Map<string, string> = new Map()): Promise<FoundBooks> {
  const perPage = Math.max(1, Math.floor(query.perPage));
  const search = query.search === undefined ? '' : foldTitle(query.search.trim());
  if (search === '') {
    const total = await countBooks(redis, prefix);
    const pages = Math.max(1, Math.ceil(total / perPage));
    const page = Math.min(Math.max(1, Math.floor(query.page)), pages);
    const ids = total === 0 ? [] : await newestBookIds(redis, prefix, (page - 1) * perPage, perPage);
    return { ids, total, page, pages };
  }
  const all = await allBookIds(redis, prefix, { newestFirst: true });
  const missing = all.filter((id) => !titles.has(id));
  if (missing.length > 0) {
    const replies = await pipelinePerShard(redis, prefix, missing, (pipeline, id) => pipeline.hget(bookKeys(prefix, id).record, 'title'));
    missing.forEach((id, i) => {
      const title = replies[i]?.[0]?.[1];
      if (typeof title === 'string') titles.set(id, foldTitle(title));
    });
  }
  // Books removed since (clean, cancel --purge) leave the cache with the index.
  if (titles.size > all.length) {
    const present = new Set(all);
    for (const id of titles.keys()) if (!present.has(id)) titles.delete(id);
  }
  const matches = all.filter((id) => titles.get(id)?.includes(search));
  const pages = Math.max(1, Math.ceil(matches.length / perPage));
  const page = Math.min(Math.max(1, Math.floor(query.page)), pages);
  return { ids: matches.slice((page - 1) * perPage, page * perPage), total: matches.length, page, pages };
}

/** A title as a search compares it: NFKC (ﬁ is fi, full-width letters are letters) and lower case. */
function foldTitle(title: string): string {
  return title.normalize('NFKC').toLocaleLowerCase();
}
