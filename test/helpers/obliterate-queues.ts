import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES } from '../../src/queue/names.js';

/**
 * Obliterates every queue of a deployment under `bullPrefix` (the braced prefix), children before
 * parents: a parent obliterated while its children remain could be put back in wait. Every queue
 * is tried; the first failure is thrown once all have been.
 */
export async function obliterateQueues(connection: Redis, bullPrefix: string): Promise<void> {
  const failures: unknown[] = [];
  for (const name of QUEUE_NAMES) {
    const queue = new Queue(name, { connection, prefix: bullPrefix });
    queue.on('error', () => {});
    await queue.obliterate({ force: true }).catch((error: unknown) => failures.push(error));
    await queue.close();
  }
  if (failures.length > 0) throw failures[0];
}
