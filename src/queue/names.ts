/** The queue holding one `synthesize` job per chunk. */
export const SYNTHESIZE_QUEUE = 'synthesize';
/** The queue holding one `finalize` job per book: the parent of its chunks' jobs. */
export const FINALIZE_QUEUE = 'finalize';

/**
 * BullMQ's key prefix for a deployment. The braces make it a Redis Cluster hash tag, so every key of
 * a queue lands in one slot (BullMQ's production guide); NARRATE_PREFIX keeps deployments apart.
 */
export function bullPrefix(prefix: string): string {
  return `{${prefix}}`;
}
