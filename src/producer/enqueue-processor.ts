import type { Job, Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import { bookParent, chunkJobOptions, ENQUEUE_BATCH } from '../queue/build-flow.js';
import type { ChunkRetry, EnqueueJobData, EnqueueResult, SynthesizeJobData } from '../queue/job-data.js';

/** What the `enqueue` processor works with. */
export interface EnqueueDeps {
  synthesize: Queue;
  finalize: Queue;
  logger: Logger;
  /** Chunks per round trip to Redis (default ENQUEUE_BATCH). */
  batch?: number;
}

/**
 * The BullMQ processor of a long book's `enqueue` job (see buildFlow): adds the chunks the book's
 * flow did not carry, under the book's `finalize` job, then lets go of the book so it can finalize
 * once they are done.
 *
 * A worker may die at any point: the job comes back and adds its chunks again. Chunk jobs have
 * fixed ids, so a chunk already there (waiting, done or failed) is not added twice; BullMQ only
 * links it to its book again. Once this job has let go of the book (removeChildDependency) a
 * retry has nothing left to do.
 */
export function enqueueProcessor(deps: EnqueueDeps) {
  const batch = deps.batch ?? ENQUEUE_BATCH;
  return async (job: Job<EnqueueJobData, EnqueueResult>): Promise<EnqueueResult> => {
    const { bookId, chunks, retry } = job.data;
    if (!job.parentKey) return { added: 0 };
    const parent = bookParent(bookId, deps.synthesize.opts.prefix ?? 'bull');
    for (let from = 0; from < chunks.length; from += batch) {
      // A book that failed already (a chunk failed for good) would only pay for chunks it cannot use.
      const state = await deps.finalize.getJobState(bookId);
      if (state === 'failed' || state === 'unknown') {
        deps.logger.warn({ bookId, state, added: from }, 'book not waiting for its chunks any more: stopped adding them');
        return { added: from };
      }
      await addChunks(deps.synthesize, parent, chunks.slice(from, from + batch), retry);
      await job.updateProgress(Math.min(chunks.length, from + batch));
    }
    // Every chunk is in: the book now waits on its chunks alone.
    await job.removeChildDependency();
    deps.logger.debug({ bookId, added: chunks.length }, 'rest of the book enqueued');
    return { added: chunks.length };
  };
}

/** Adds chunk jobs under `parent` in one pipeline; throws when Redis refused any of them. */
export async function addChunks(synthesize: Queue, parent: ReturnType<typeof bookParent>, chunks: SynthesizeJobData[], retry: ChunkRetry): Promise<void> {
  if (chunks.length === 0) return;
  const jobs = await synthesize.addBulk(chunks.map((data) => ({ name: 'synthesize', data, opts: { ...chunkJobOptions(data.bookId, data.index, retry), parent } })));
  // addBulk reports BullMQ's script errors (-5: the parent is gone) as the job's id instead of throwing.
  const refused = jobs.find((j) => typeof j.id !== 'string' || /^-\d+$/.test(j.id));
  if (refused) throw new Error(`Redis refused chunk ${String(refused.data.index)} of book ${refused.data.bookId} (BullMQ code ${String(refused.id)})`);
}
