import type { AttributionCache } from './attribute-book.js';
import type { RedisConnection as Redis } from '../queue/connection.js';
import { attributionCacheKey } from '../queue/keys.js';

/** How long a chapter's attribution is kept after it was last written: long enough for any re-run, short enough not to pile up. */
export const ATTRIBUTION_TTL_SECONDS = 180 * 24 * 3600;

/**
 * Chapters' attributions in the deployment's Redis, by content key: a small JSON list of names per
 * chapter (no text of the book, no secret), so every host's submit finds what any host paid for.
 */
export function redisAttributionCache(connection: Redis, prefix: string): AttributionCache {
  return {
    async get(key) {
      const raw = await connection.get(attributionCacheKey(prefix, key));
      if (raw === null) return undefined;
      try {
        const parsed: unknown = JSON.parse(raw);
        return Array.isArray(parsed) && parsed.every((s) => s === null || typeof s === 'string') ? (parsed as (string | null)[]) : undefined;
      } catch {
        return undefined; // a damaged entry is asked again, not trusted
      }
    },
    async set(key, speakers) {
      await connection.set(attributionCacheKey(prefix, key), JSON.stringify(speakers), 'EX', ATTRIBUTION_TTL_SECONDS);
    },
  };
}
