import type { SynthesizeJobData, SynthesizeJobRef } from '../../src/contracts/job-data.js';
import type { SegmentStore } from '../../src/store/segment-store.js';
import { TextCache } from '../../src/store/text-objects.js';

/**
 * The chunk a `synthesize` job stands for, read the way a worker reads it: the job carries its
 * part's text key, the store holds the part's chunks (text, voice, language, ...). Throws when the
 * store has no such text or the part no such chunk, so a test never compares against nothing.
 */
export async function chunkOfJob(store: Pick<SegmentStore, 'getText' | 'url'>, job: SynthesizeJobRef): Promise<SynthesizeJobData> {
  const part = await new TextCache(store).json<{ chunks: Omit<SynthesizeJobData, 'bookId'>[] }>(job.text, `chunk ${job.index} of book ${job.bookId}`);
  const chunk = part.chunks.find((c) => c.index === job.index);
  if (!chunk) throw new Error(`chunk ${job.index} of book ${job.bookId}: not in its part's text ${job.text}`);
  return { bookId: job.bookId, ...chunk };
}
