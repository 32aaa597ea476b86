import type { Queue } from 'bullmq';
import type { SynthesizeResult } from './job-data.js';

/** Every state a job can be kept in. */
const ALL_STATES = ['waiting-children', 'waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'paused'] as const;

/** Jobs read from Redis per page. */
const PAGE = 500;

/**
 * The segment keys that books still in Redis use: the results of every chunk of every book whose
 * `finalize` job is kept (queued, narrating, finalizing, done or failed), and of every chunk job
 * still kept in the synthesize queue. A book removed from Redis no longer holds its segments.
 */
export async function referencedSegments(finalize: Queue, synthesize: Queue): Promise<Set<string>> {
  const keys = new Set<string>();
  for (let start = 0; ; start += PAGE) {
    const books = await finalize.getJobs([...ALL_STATES], start, start + PAGE - 1, true);
    for (const book of books) {
      const values = await book.getChildrenValues<SynthesizeResult>();
      for (const v of Object.values(values)) if (typeof v?.key === 'string') keys.add(v.key);
    }
    if (books.length < PAGE) break;
  }
  for (let start = 0; ; start += PAGE) {
    const chunks = await synthesize.getJobs(['completed'], start, start + PAGE - 1, true);
    for (const chunk of chunks) {
      const key = (chunk.returnvalue as SynthesizeResult | undefined)?.key;
      if (typeof key === 'string') keys.add(key);
    }
    if (chunks.length < PAGE) break;
  }
  return keys;
}
