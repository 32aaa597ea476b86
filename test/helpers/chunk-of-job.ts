import type { PartTexts, StoredPlan, SynthesizeJobData, SynthesizeJobRef } from '../../src/contracts/job-data.js';
import { chunkIn } from '../../src/store/text-objects.js';
import type { SegmentStore } from '../../src/store/segment-store.js';
import { TextCache } from '../../src/store/text-objects.js';
import { readBookPlan } from '../../src/queue/book-record.js';
import { partsOf } from '../../src/queue/build-flow.js';
import type { RedisConnection } from '../../src/queue/connection.js';

/**
 * The chunk a `synthesize` job stands for, read the way a worker reads it: the job carries its
 * part's text key, the store holds the part's chunks (text, voice, language, ...). Throws when the
 * store has no such text or the part no such chunk, so a test never compares against nothing.
 */
export async function chunkOfJob(store: Pick<SegmentStore, 'getText' | 'url'>, job: SynthesizeJobRef): Promise<SynthesizeJobData> {
  const chunk = chunkIn(await new TextCache(store).json<PartTexts | StoredPlan>(job.text, `chunk ${job.index} of book ${job.bookId}`), job.index);
  if (!chunk) throw new Error(`chunk ${job.index} of book ${job.bookId}: not in its part's text ${job.text}`);
  return { bookId: job.bookId, ...chunk };
}

/**
 * Every chunk a submitted book will have, in order: the `synthesize` job data the admission stage
 * adds (partsOf over the plan the book's record points to in the store), each read as a worker
 * reads it. A submit puts no chunk job in Redis itself, so this is what it queued.
 */
export async function chunksOfBook(redis: RedisConnection, store: Pick<SegmentStore, 'getText' | 'url'>, prefix: string, bookId: string): Promise<SynthesizeJobData[]> {
  const lookup = await readBookPlan(redis, store, prefix, bookId);
  if (!('book' in lookup)) throw new Error(`book ${bookId}: no plan (${JSON.stringify(lookup)})`);
  const refs = partsOf(lookup.book.stored, lookup.book.plan).flatMap((part) => part.chunks);
  return Promise.all(refs.map((ref) => chunkOfJob(store, ref)));
}
