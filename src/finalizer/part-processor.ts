import { UnrecoverableError, type Job } from 'bullmq';
import { coerceError, isRetryable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PartJobData, PartResult, SynthesizeResult } from '../queue/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';
import { encodePart } from './encode-part.js';

/**
 * The BullMQ processor of a part's `encode` job: runs once every chunk of the part is stored, on
 * whichever worker is free, while the rest of the book is still being narrated. A worker that dies
 * mid-encode leaves only a temp file; the job comes back after one lock period and is encoded again.
 */
export function partProcessor(deps: { store: SegmentStore; logger: Logger }) {
  return async (job: Job<PartJobData, PartResult>, _token?: string, signal?: AbortSignal): Promise<PartResult> => {
    const values = await job.getChildrenValues<SynthesizeResult>();
    try {
      const result = await encodePart(job.data, Object.values(values), deps.store, signal);
      deps.logger.debug({ bookId: job.data.book.bookId, part: job.data.part, samples: result.samples }, 'part encoded');
      return result;
    } catch (thrown) {
      const error = coerceError(thrown);
      if (!isRetryable(error)) throw new UnrecoverableError(`part ${job.data.part} (chapter ${job.data.chapter + 1}): ${error.message}`);
      throw new Error(`part ${job.data.part} (chapter ${job.data.chapter + 1}): ${error.message}`, { cause: error });
    }
  };
}
