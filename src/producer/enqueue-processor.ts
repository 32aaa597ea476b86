import { RateLimitError, type FlowProducer, type Job, type Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import { bookParent, ENQUEUE_BATCH, partFlow, partJobId, partsOf, type QueuedPart } from '../queue/build-flow.js';
import { bullPrefixOf } from '../queue/keys.js';
import type { ChunkRetry, EnqueueJobData, EnqueueResult, StoredPlan } from '../contracts/job-data.js';
import type { TextCache } from '../store/text-objects.js';

/**
 * The enqueue worker's limiter: BullMQ holds a queue rate-limited by queue.rateLimit only for
 * workers that have a limiter, so admission has one whose max no run of admissions reaches.
 */
export const ADMISSION_LIMITER = { max: 1_000_000, duration: 1_000 };

/** How long admission waits before it looks at a full window again. */
export const ADMIT_RECHECK_MS = 1_000;

/** What the `enqueue` processor works with. */
export interface EnqueueDeps {
  /** Adds each part with its chunks in one MULTI. */
  flows: FlowProducer;
  finalize: Queue;
  encode: Queue;
  /** Where the chunk jobs wait: the window counts them. */
  synthesize: Queue;
  /** This processor's own queue, rate-limited while the window is full (every book then waits, in order). */
  enqueue: Queue;
  logger: Logger;
  /** Reads the book's plan from the store. */
  texts: TextCache;
  /** How chunk jobs are retried (the deployment's NARRATE_MAX_ATTEMPTS and NARRATE_BACKOFF_MS). */
  retry: ChunkRetry;
  /** Chunk jobs that may wait in the synthesize queue before admission holds the next part back (NARRATE_ADMIT_CHUNKS). */
  window: number;
  /** True when the book was cancelled or stopped (its record's state): its chunks are not admitted. */
  stopped?: (bookId: string) => Promise<boolean>;
  /** Chunks per round trip to Redis, in whole parts (default ENQUEUE_BATCH). */
  batch?: number;
  /** How long a full window holds admission before it looks again (default ADMIT_RECHECK_MS). */
  recheckMs?: number;
}

/**
 * The admission stage: the BullMQ processor of a book's `enqueue` job (see buildFlow). A book is
 * submitted as its record, its `finalize` job and this one job (its id and its plan's key); the
 * parts and chunks are added here, read from the plan in the store, only while fewer than `window`
 * chunk jobs wait in the synthesize queue. A queued library so costs Redis a few hundred bytes a
 * book, not a BullMQ job per chunk (about 1.1 KB each).
 *
 * When the window is full the whole `enqueue` queue is rate-limited for `recheckMs` and the job goes
 * back to the head of the queue, so books are admitted in submit order and no job spins. The job's
 * progress is the number of parts in. The queue runs one job at a time across the fleet (its global
 * concurrency is 1), so the window is overshot by at most one part.
 *
 * A worker may die at any point: the job comes back and goes on from its progress. A part goes in
 * with all its chunks in one MULTI, so a part that exists is complete and is skipped: nothing is
 * added twice. Once this job has let go of the book (removeChildDependency) a retry has nothing left
 * to do.
 */
export function enqueueProcessor(deps: EnqueueDeps) {
  const batch = deps.batch ?? ENQUEUE_BATCH;
  return async (job: Job<EnqueueJobData, EnqueueResult>): Promise<EnqueueResult> => {
    const { bookId } = job.data;
    if (!job.parentKey) return { added: 0 };
    const stored = await deps.texts.json<StoredPlan>(job.data.plan, `plan of book ${bookId}`);
    const parts = partsOf(stored, job.data.plan);
    const bullMqPrefix = bullPrefixOf(deps.finalize);
    let from = typeof job.progress === 'number' ? Math.min(job.progress, parts.length) : 0;
    let added = 0;
    for (let i = 0; i < from; i++) added += parts[i]!.chunks.length;
    while (from < parts.length) {
      // A book that failed or was cancelled already would only pay for chunks it cannot use.
      const state = await deps.finalize.getJobState(bookId);
      if (state === 'failed' || state === 'unknown' || (await deps.stopped?.(bookId))) {
        deps.logger.info({ bookId, state, added }, 'book not waiting for its chunks any more: stopped adding them');
        return { added };
      }
      const room = deps.window - (await waitingChunks(deps.synthesize));
      if (room <= 0) {
        // Every book waits behind this one: the queue pauses, this job goes back to its head.
        await deps.enqueue.rateLimit(deps.recheckMs ?? ADMIT_RECHECK_MS);
        throw new RateLimitError();
      }
      let to = from + 1;
      let chunks = parts[from]!.chunks.length;
      const most = Math.min(batch, room);
      while (to < parts.length && chunks + parts[to]!.chunks.length <= most) chunks += parts[to++]!.chunks.length;
      await addParts(deps, bookId, parts.slice(from, to), deps.retry, bullMqPrefix);
      added += chunks;
      from = to;
      await job.updateProgress(from);
    }
    // Every part is in: the book now waits on its parts alone.
    await job.removeChildDependency();
    deps.logger.debug({ bookId, added }, 'book admitted');
    return { added };
  };
}

/** Chunk jobs waiting for a worker (not those in flight, delayed for a retry, or not admitted yet). */
export async function waitingChunks(synthesize: Queue): Promise<number> {
  return synthesize.getJobCountByTypes('wait', 'prioritized', 'paused');
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
