import { FlowProducer, type FlowJob } from 'bullmq';
import type { ChainableCommander } from 'ioredis';

/**
 * A FlowProducer that adds a book's flow in the same MULTI as the book's own keys (its record, its
 * holds, its submission marker): Redis applies all of it or, if the submit dies before EXEC,
 * none of it, so no book is ever half queued.
 */
export class BookFlowProducer extends FlowProducer {
  /** Adds `flow` (a root, no parent) after the commands `write` puts in the same MULTI. */
  async addWith(flow: FlowJob, write: (multi: ChainableCommander) => void): Promise<void> {
    const client = await this.client;
    const multi = client.multi() as unknown as ChainableCommander;
    write(multi);
    await this.addNode({ multi, node: flow, parent: { parentOpts: undefined, parentDependenciesKey: undefined } } as unknown as Parameters<FlowProducer['addNode']>[0]);
    const results = await multi.exec();
    if (!results) throw new Error(`book ${flow.opts?.jobId ?? flow.name}: Redis discarded the MULTI that queues it`);
    for (const [error, value] of results) {
      if (error) throw error;
      // BullMQ's scripts answer a negative code (a missing parent, a duplicate) instead of throwing.
      if (typeof value === 'number' && value < 0) throw new Error(`book ${flow.opts?.jobId ?? flow.name}: BullMQ refused a job of its flow (code ${value})`);
    }
  }
}
