import type { FlowProducer, Job, Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import { bookParent, ENQUEUE_BATCH, partFlow, partJobId, partsOf, type QueuedPart } from '../queue/build-flow.js';
import { bullPrefixOf } from '../queue/keys.js';
import type { ChunkRetry, EnqueueJobData, EnqueueResult, StoredPlan } from '../contracts/job-data.js';
import type { TextCache } from '../store/text-objects.js';

/** What the `enqueue` processor works with. */
export interface EnqueueDeps {
  /** Adds each part with its chunks in one MULTI. */
  flows: FlowProducer;
  finalize: Queue;
  encode: Queue;
  logger: Logger;
  /** Reads the book's plan from the store. */
  texts: TextCache;
  /** Chunks per round trip to Redis, in whole parts (default ENQUEUE_BATCH). */
  batch?: number;
}

/**
 * The BullMQ processor of a long book's `enqueue` job (see buildFlow): reads the book's plan from
 * the store and adds the parts the book's flow did not carry, each together with its chunks (keys,
 * no text), under the book's `finalize` job, then lets go of the book so it can finalize once they
 * are done.
 *
 * A worker may die at any point: the job comes back and goes through its parts again. A part goes
 * in with all its chunks in one MULTI, so a part that exists is complete and is skipped: nothing is
 * added twice. Once this job has let go of the book (removeChildDependency) a retry has nothing left
 * to do.
 */
export function enqueueProcessor(deps: EnqueueDeps) {
  const batch = deps.batch ?? ENQUEUE_BATCH;
  return async (job: Job<EnqueueJobData, EnqueueResult>): Promise<EnqueueResult> => {
    const { bookId, retry } = job.data;
    if (!job.parentKey) return { added: 0 };
    const stored = await deps.texts.json<StoredPlan>(job.data.plan, `plan of book ${bookId}`);
    const parts = partsOf(stored).slice(job.data.from);
    const bullMqPrefix = bullPrefixOf(deps.finalize);
    let added = 0;
    for (let from = 0; from < parts.length; ) {
      let to = from + 1;
      let chunks = parts[from]!.chunks.length;
      while (to < parts.length && chunks + parts[to]!.chunks.length <= batch) chunks += parts[to++]!.chunks.length;
      // A book that failed already (a chunk failed for good) would only pay for chunks it cannot use.
      const state = await deps.finalize.getJobState(bookId);
      if (state === 'failed' || state === 'unknown') {
        deps.logger.warn({ bookId, state, added }, 'book not waiting for its chunks any more: stopped adding them');
        return { added };
      }
      await addParts(deps, bookId, parts.slice(from, to), retry, bullMqPrefix);
      added += chunks;
      from = to;
      await job.updateProgress(added);
    }
    // Every part is in: the book now waits on its parts alone.
    await job.removeChildDependency();
    deps.logger.debug({ bookId, added }, 'rest of the book enqueued');
    return { added };
  };
}

/** Adds the parts not in Redis yet, each with its chunks, under the book, in one round trip. */
export async function addParts(
  deps: Pick<EnqueueDeps, 'flows' | 'encode'>,
  bookId: string,
  parts: QueuedPart[],
  retry: ChunkRetry,
  bullMqPrefix: string,
): Promise<void> {
  const states = await Promise.all(parts.map((p) => deps.encode.getJobState(partJobId(bookId, p.data.part))));
  const missing = parts.filter((_, i) => states[i] === 'unknown');
  if (missing.length === 0) return;
  await deps.flows.addBulk(missing.map((p) => ({ ...partFlow(p, bullMqPrefix, retry), opts: { ...partFlow(p, bullMqPrefix, retry).opts, parent: bookParent(bookId, bullMqPrefix) } })));
}
