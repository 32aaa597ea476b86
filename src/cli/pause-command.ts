import type { Config } from '../config.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../queue/names.js';
import type { CliIo } from './io.js';
import { withRedis } from './with-redis.js';

/** The queues a fleet takes book work from; webhooks keep flowing while paused. */
export const PAUSABLE_QUEUES = [SYNTHESIZE_QUEUE, ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE] as const;

/** Pauses (or resumes) every queue of book work: BullMQ's queue pause, held in Redis for the whole fleet. */
export async function setFleetPaused(config: Config, paused: boolean): Promise<void> {
  await withRedis(config, paused ? 'narrate-pause' : 'narrate-resume', async ({ queues: shards }) => {
    // Every shard's queues of book work.
    const queues = PAUSABLE_QUEUES.flatMap((name) => shards.all(name));
    for (const q of queues) {
      await q.waitUntilReady();
      await (paused ? q.pause() : q.resume());
    }
  });
}

/** `narrate pause`: every worker of the fleet stops taking jobs; jobs in flight finish. */
export async function pauseCommand(config: Config, io: CliIo): Promise<number> {
  await setFleetPaused(config, true);
  io.stdout.write(`paused: workers under prefix "${config.prefix}" take no new job until \`narrate resume\` (jobs in flight finish)\n`);
  return 0;
}
