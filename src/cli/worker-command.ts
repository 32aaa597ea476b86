import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startWorkers } from '../worker/start-workers.js';
import type { CliIo } from './io.js';

/**
 * `narrate worker`: a long-lived fleet member. The first SIGTERM/SIGINT stops taking jobs and lets
 * those in flight finish (up to NARRATE_SHUTDOWN_TIMEOUT_MS, then they are handed back), exit 0.
 * A second signal forces: in-flight jobs are abandoned to the stalled-job check of another worker.
 */
export async function workerCommand(config: Config, io: CliIo, logger: Logger): Promise<number> {
  const workers = startWorkers(config, { logger });
  logger.info({ prefix: config.prefix, concurrency: config.concurrency, rpm: config.rpm ?? null }, 'worker started');
  io.stderr.write(`narrate worker: prefix ${config.prefix}, concurrency ${config.concurrency}; Ctrl-C or SIGTERM drains\n`);
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        logger.info({ signal }, 'draining: finishing jobs in flight');
        const deadline = setTimeout(() => {
          logger.warn('drain deadline passed: handing jobs back');
          void workers.close(true).then(() => resolve(0));
        }, config.shutdownTimeoutMs);
        // Only guards the shutdown: must not keep the process alive by itself.
        deadline.unref();
        void workers.close().then(() => {
          clearTimeout(deadline);
          logger.info('drained');
          resolve(0);
        });
      } else {
        logger.warn({ signal }, 'second signal: forcing exit');
        void workers.close(true).finally(() => process.exit(1));
        setTimeout(() => process.exit(1), 2_000).unref();
      }
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
