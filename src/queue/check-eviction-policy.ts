import { Cluster, type Redis } from 'ioredis';
import { ConfigError, coerceError } from '../errors.js';
import type { RedisConnection } from './connection.js';

/** What the check found: nothing to say, or a warning when Redis would not tell its policy. */
export interface EvictionCheck {
  warning?: string;
}

/**
 * Refuses a Redis that evicts keys when its memory is full: BullMQ keeps jobs, locks and flows
 * in keys, and an evicted one is a job silently lost or a book that never finishes (BullMQ's
 * production guide asks for `noeviction`). Every master of a Cluster is asked. A Redis that does
 * not allow CONFIG GET (a managed service, an ACL without it) is let through with a warning.
 */
export async function checkEvictionPolicy(connection: RedisConnection, where: string): Promise<EvictionCheck> {
  const nodes: Redis[] = connection instanceof Cluster ? connection.nodes('master') : [connection];
  for (const node of nodes) {
    let policy: string | undefined;
    try {
      const reply = (await node.config('GET', 'maxmemory-policy')) as unknown as string[];
      policy = reply[1];
    } catch (error) {
      return {
        warning: `cannot read Redis's maxmemory-policy at ${where} (CONFIG GET refused: ${coerceError(error).message}); make sure it is noeviction, or jobs may be lost when Redis is full`,
      };
    }
    if (policy === undefined) return { warning: `Redis at ${where} did not say its maxmemory-policy; make sure it is noeviction, or jobs may be lost when Redis is full` };
    if (policy !== 'noeviction') {
      const node_ = connection instanceof Cluster ? ` (node ${node.options.host}:${node.options.port})` : '';
      throw new ConfigError(
        `Redis at ${where}${node_} has maxmemory-policy ${policy}: it evicts keys when its memory is full, and BullMQ, which needs noeviction, then loses jobs. ` +
          `Set maxmemory-policy to noeviction (\`redis-cli CONFIG SET maxmemory-policy noeviction\` and in redis.conf; on a managed Redis, in its parameter group) and start again`,
      );
    }
  }
  return {};
}
