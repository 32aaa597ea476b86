import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';

/** The job states narrate_queue_jobs reports (BullMQ's getJobCounts names). */
export const QUEUE_STATES = ['waiting-children', 'wait', 'prioritized', 'active', 'delayed', 'completed', 'failed', 'paused'] as const;

/**
 * narrate_queue_jobs{queue,state}: the fleet's queue depth, read from Redis at each scrape (one
 * getJobCounts per queue). The same numbers whichever worker or dashboard is scraped, so a scaler
 * can read any of them; BullMQ's own exportPrometheusMetrics has them too, under bullmq_ names.
 */
export function registerQueueDepth(registry: Registry, queues: readonly Queue[]): Gauge<'queue' | 'state'> {
  return new Gauge({
    name: 'narrate_queue_jobs',
    help: 'Jobs in each queue by state (wait + prioritized are ready to run; a scaler watches them)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // Summed over the shards: each shard has its own queue of each name.
      const sums = new Map<string, number>();
      for (const queue of queues) {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) sums.set(`${queue.name}\n${state}`, (sums.get(`${queue.name}\n${state}`) ?? 0) + (counts[state] ?? 0));
      }
      for (const [key, value] of sums) {
        const [queue, state] = key.split('\n') as [string, string];
        this.set({ queue, state }, value);
      }
    },
  });
}
