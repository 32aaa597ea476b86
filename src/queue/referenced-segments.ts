import type { Queue } from 'bullmq';
import type { PartResult, SynthesizeResult } from '../contracts/job-data.js';

/** Every state a job can be kept in. */
const ALL_STATES = ['waiting-children', 'waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'paused'] as const;

/** Jobs read from Redis per page. */
const PAGE = 500;

/**
 * The segment keys the jobs still in Redis name: the chunks of every encoded part of every book
 * whose `finalize` job is kept, and every chunk job still kept in the synthesize queue. Books hold
 * their segments in their own record now (see segment-ref-scripts.ts); this covers the books
 * queued before they did, whose jobs are the only record of what they use.
 */
export async function referencedSegments(finalize: Queue, synthesize: Queue): Promise<Set<string>> {
  const keys = new Set<string>();
  for (let start = 0; ; start += PAGE) {
    const books = await finalize.getJobs([...ALL_STATES], start, start + PAGE - 1, true);
    for (const book of books) {
      // A book's children are its parts (each with its chunks' results), and for a long book its
      // `enqueue` job; a book queued before parts existed had its chunks' results directly.
      const values = await book.getChildrenValues<Partial<PartResult & SynthesizeResult>>();
      for (const v of Object.values(values)) {
        if (typeof v?.key === 'string') keys.add(v.key);
        for (const chunk of Array.isArray(v?.chunks) ? v.chunks : []) if (typeof chunk?.key === 'string') keys.add(chunk.key);
      }
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
