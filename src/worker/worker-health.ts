import { isConnected, type RedisConnection } from '../queue/connection.js';
import type { SegmentStore } from '../store/segment-store.js';
import type { HealthCheck } from './metrics-server.js';
import type { SupervisedWorker } from './supervised-worker.js';

/**
 * What /healthz asks of a worker process: Redis answers, the store answers (its own probe: a
 * bucket's HEAD, a directory written to; shared volumes go stale or read-only without the worker
 * noticing otherwise), and every worker is taking jobs.
 */
export function workerHealthChecks(parts: { connection: RedisConnection; store: SegmentStore; supervised: readonly SupervisedWorker[] }): HealthCheck[] {
  const { connection, store, supervised } = parts;
  return [
    { name: 'redis', check: () => pingRedis(connection) },
    { name: 'store', check: () => store.probe() },
    {
      name: 'taking jobs',
      check: async () => {
        const stopped = supervised.flatMap((s) => {
          const why = s.notTaking();
          return why === undefined ? [] : [`${s.worker.name} (${why})`];
        });
        if (stopped.length > 0) throw new Error(`not taking jobs: ${stopped.join(', ')}`);
      },
    },
  ];
}

/** PING with the connection's own retries off the table: down is down, right now. */
async function pingRedis(connection: RedisConnection): Promise<void> {
  if (!isConnected(connection)) throw new Error(`Redis connection is ${connection.status}`);
  await connection.ping();
}
