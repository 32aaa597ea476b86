import type { StoredPlan } from '../../src/contracts/job-data.js';
import { createBookRecord } from '../../src/queue/book-record.js';
import type { RedisConnection } from '../../src/queue/connection.js';

/** What seedBookRecords wrote: the ids in submit order (oldest first). */
export interface SeededBooks {
  ids: string[];
}

/**
 * Writes `count` book records as a submit does (record with its plan's key, index entry), without their jobs or texts:
 * what listings read, at the scale of a library, in seconds. Book i is titled `${title(i)}` and
 * submitted at `start + floor(i / perMs)` ms, so `perMs` > 1 puts several books in one
 * millisecond (a submit of a whole directory does). Each plan has two chapters of two chunks.
 */
export async function seedBookRecords(
  redis: RedisConnection,
  prefix: string,
  count: number,
  options: { title?: (i: number) => string; start?: number; perMs?: number; outDir?: string } = {},
): Promise<SeededBooks> {
  const title = options.title ?? ((i: number) => `Seeded Book ${i}`);
  const start = options.start ?? Date.UTC(2026, 0, 1);
  const perMs = options.perMs ?? 1;
  const ids: string[] = [];
  const batch = 200;
  for (let from = 0; from < count; from += batch) {
    const writes: Promise<void>[] = [];
    for (let i = from; i < Math.min(count, from + batch); i++) {
      // Zero-padded so the id's own order is the submit order too (ties broken by id, as Redis does).
      const bookId = `seeded-${String(i).padStart(6, '0')}`;
      ids.push(bookId);
      const stored = {
        finalize: {
          bookId,
          title: title(i),
          author: 'Seeder',
          voice: 'alloy',
          format: 'mp3',
          outDir: options.outDir ?? '/tmp/narrate-seeded',
          slug: bookId,
          chapters: [{ title: 'One' }, { title: 'Two' }],
          chunks: [0, 1, 2, 3].map((index) => ({ index, chapter: index >> 1, pauseAfter: 'paragraph' })),
          parts: [],
          sources: [`${bookId}.txt`],
          submittedAt: new Date(start + Math.floor(i / perMs)).toISOString(),
        },
        // The part texts' keys: a listing never reads the store.
        parts: [],
      } as unknown as StoredPlan;
      writes.push(createBookRecord(redis, prefix, { plan: `plan-of-${bookId}`, stored }));
    }
    await Promise.all(writes);
  }
  return { ids };
}
