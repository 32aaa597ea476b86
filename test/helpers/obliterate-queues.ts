import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES } from '../../src/queue/names.js';

/**
 * Obliterates every queue of a deployment under `bullPrefix` (the braced prefix), children before
 * parents: a parent obliterated while its children remain could be put back in wait. Every queue
 * is tried; the first failure is thrown once all have been. Then every key still under the prefix
 * (narrate's own: books, book status, plans, spend, limiters) is removed: a test's prefix is its
 * own, and the shared Redis keeps nothing of it.
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
  await removeKeysUnder(connection, bullPrefix);
}

/** UNLINKs every key that starts with `bullPrefix` + ':' (SCAN, so the server never blocks). */
export async function removeKeysUnder(connection: Redis, bullPrefix: string): Promise<void> {
  // Glob specials in a prefix would widen the match: escape them.
  const pattern = `${bullPrefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
  let cursor = '0';
  do {
    const [next, keys] = await connection.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await connection.unlink(...keys);
  } while (cursor !== '0');
}
