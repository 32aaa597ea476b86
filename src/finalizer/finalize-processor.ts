import type { Job } from 'bullmq';
import { coerceError } from '../errors.js';
import { diskFullFailure } from './disk-full.js';
import { dirOutputs, type OpenBookOutput } from '../store/open-book-output.js';
import type { Logger } from '../logger.js';
import type { FinalizeJobData, FinalizeResult, PartResult } from '../contracts/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';
import { finalizeFromParts } from './finalize-book.js';

/** The BullMQ processor of a book's `finalize` job: runs once every part is encoded. */
export function finalizeProcessor(deps: { store: SegmentStore; logger: Logger; outputs?: OpenBookOutput }) {
  return async (job: Job<FinalizeJobData, FinalizeResult>, _token?: string, signal?: AbortSignal): Promise<FinalizeResult> => {
    const values = await job.getChildrenValues<PartResult | { added: number }>();
    // The children are the parts, and for a long book the `enqueue` job (whose result is not a part).
    const parts = Object.values(values).filter((v): v is PartResult => 'part' in v && 'samples' in v);
    let result: FinalizeResult;
    try {
      result = await finalizeFromParts(job.data, parts, deps.store, signal, deps.outputs);
    } catch (thrown) {
      throw (await diskFullFailure(thrown, job.data, deps.outputs ?? dirOutputs)) ?? coerceError(thrown);
    }
    deps.logger.info({ bookId: job.data.bookId, output: result.output, durationMs: result.durationMs }, 'book finalized');
    return result;
  };
}
