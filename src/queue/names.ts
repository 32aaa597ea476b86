/** The queue holding one `synthesize` job per chunk. */
export const SYNTHESIZE_QUEUE = 'synthesize';
/** The queue holding one `finalize` job per book: the parent of its chunks' jobs. */
export const FINALIZE_QUEUE = 'finalize';
/**
 * The queue holding one `encode` job per part of a book: a run of a chapter's chunks (their
 * parent), encoded as soon as they are stored, by whichever worker is free.
 */
export const ENCODE_QUEUE = 'encode';
/**
 * The queue holding a long book's `enqueue` job: the chunks its flow did not carry, which a worker
 * adds to the book in batches (see buildFlow).
 */
export const ENQUEUE_QUEUE = 'enqueue';
/** The queue of webhook posts announcing a book's end, retried with backoff apart from the book. */
export const NOTIFY_QUEUE = 'notify';
/** Every queue of a deployment, children before parents (the order to obliterate them in). */
export const QUEUE_NAMES = [SYNTHESIZE_QUEUE, ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, NOTIFY_QUEUE] as const;

