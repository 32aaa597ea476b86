import type { Job } from 'bullmq';
import type { Logger } from '../logger.js';
import type { FinalizeJobData, FinalizeResult, SynthesizeResult } from '../queue/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';
import { finalizeBook } from './finalize-book.js';

/** The BullMQ processor of a book's parent job: runs once every chunk is done. */
export function finalizeProcessor(deps: { store: SegmentStore; logger: Logger }) {
  return async (job: Job<FinalizeJobData, FinalizeResult>, _token?: string, signal?: AbortSignal): Promise<FinalizeResult> => {
    const values = await job.getChildrenValues<SynthesizeResult>();
    const result = await finalizeBook(job.data, Object.values(values), deps.store, signal);
    deps.logger.info({ bookId: job.data.bookId, output: result.output, durationMs: result.durationMs }, 'book finalized');
    return result;
  };
}
