import type { FinalizeJobData, SynthesizeJobData } from './job-data.js';

/** A book ready to enqueue: the parent's data and one child per chunk. */
export interface BookPlan {
  finalize: FinalizeJobData;
  synthesize: SynthesizeJobData[];
}
