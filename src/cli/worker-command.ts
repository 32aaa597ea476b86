import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { describeRedis } from '../queue/redis-target.js';
import { startMetricsServer, type MetricsServer } from '../worker/metrics-server.js';
import { workerMetrics } from '../worker/metrics.js';
import { probeStores } from '../store/probe-stores.js';
import { checkRedisEviction } from './check-redis-eviction.js';
import { checkModelServed } from '../providers/check-model.js';
import { startWorkers } from '../worker/start-workers.js';
import { checkWebhook } from './check-webhook.js';
import type { CliIo } from './io.js';
import { UsageError } from '../errors.js';
import { loadPrices } from '../money/prices.js';

/**
 * `narrate worker`: a long-lived fleet member. The first SIGTERM/SIGINT stops taking jobs and lets
 * those in flight finish (up to NARRATE_SHUTDOWN_TIMEOUT_MS, then they are handed back), exit 0.
 * A second signal forces: in-flight jobs are abandoned to the stalled-job check of another worker.
 * With --metrics-port (or NARRATE_METRICS_PORT) it serves /healthz and /metrics.
 */
export async function workerCommand(config: Config, io: CliIo, logger: Logger, flags: { metricsPort?: string } = {}): Promise<number> {
  // Every flag, variable and file first: a mistake in one exits 2 at once, whether Redis is up or not.
  const metricsPort = flags.metricsPort === undefined ? config.metricsPort : parsePort(flags.metricsPort);
  const prices = loadPrices(config.pricesFile);
  await checkWebhook(undefined, config, io);
  await probeStores(config);
  // A model the provider does not serve stops the worker here (exit 2), before it takes a job.
  const model = await checkModelServed(config);
  if (model.served === undefined) logger.warn(model.warning);
  // A Redis that evicts keys would lose jobs: stop here (exit 2), before a job is taken. Like the
  // worker, the check waits for a Redis that is down; a signal meanwhile ends the worker (exit 0).
  // The early handlers stay until the drain handlers below replace them: a process with no handler
  // for a signal is killed by it at once, so a SIGTERM in between would skip the drain.
  const stopWaiting = new AbortController();
  let earlySignal: NodeJS.Signals | undefined;
  const onEarlySignal = (signal: NodeJS.Signals) => {
    earlySignal ??= signal;
    stopWaiting.abort();
  };
  const dropEarlyHandlers = () => {
    process.off('SIGTERM', onEarlySignal);
    process.off('SIGINT', onEarlySignal);
  };
  process.on('SIGTERM', onEarlySignal);
  process.on('SIGINT', onEarlySignal);
  let checked: boolean;
  try {
    checked = await checkRedisEviction(config, io, { logger, signal: stopWaiting.signal });
  } catch (error) {
    dropEarlyHandlers();
    throw error;
  }
  // A signal that came while Redis answered the check stops the worker as well: none is lost.
  if (!checked || stopWaiting.signal.aborted) {
    dropEarlyHandlers();
    logger.info('stopped before taking a job');
    return 0;
  }
  const workers = startWorkers(config, { logger, prices });
  let metrics: MetricsServer | undefined;
  if (metricsPort !== undefined) {
    try {
      metrics = await startMetricsServer({ host: config.metricsHost, port: metricsPort, registry: workerMetrics.registry, health: () => workers.health() });
    } catch (error) {
      await workers.close(true);
      dropEarlyHandlers();
      throw new UsageError(`--metrics-port: cannot listen on ${config.metricsHost}:${metricsPort}: ${(error as Error).message}`);
    }
  }
  logger.info({ prefix: config.prefix, concurrency: config.concurrency, rpm: config.rpm ?? null, redis: describeRedis(config.redis), metrics: metrics?.url ?? null }, 'worker started');
  io.stderr.write(
    `narrate worker: prefix ${config.prefix}, concurrency ${config.concurrency}${metrics ? `, health and metrics on ${metrics.url}/healthz and /metrics` : ''}; Ctrl-C or SIGTERM drains\n`,
  );
  const stopMetrics = () => metrics?.close() ?? Promise.resolve();
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        logger.info({ signal }, 'draining: finishing jobs in flight');
        const deadline = setTimeout(() => {
          logger.warn('drain deadline passed: handing jobs back');
          void workers.close(true).then(stopMetrics).then(() => {
            exitSoonAfterDrain(logger);
            resolve(0);
          });
        }, config.shutdownTimeoutMs);
        // Only guards the shutdown: must not keep the process alive by itself.
        deadline.unref();
        // /healthz answers 503 from here on (not taking jobs), so a balancer or probe sees the drain.
        void workers.close().then(stopMetrics).then(() => {
          clearTimeout(deadline);
          logger.info('drained');
          exitSoonAfterDrain(logger);
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
    dropEarlyHandlers();
    // A signal that came while the workers started is drained now, as if it came after.
    if (earlySignal) onSignal(earlySignal);
  });
}

/**
 * Everything is closed; the process should now end by itself. A socket some library still holds
 * (an ioredis reconnect begun while Redis was down, a sentinel subscription) must not keep a
 * drained worker alive past its grace period, where an orchestrator would SIGKILL it: exit 0 after
 * a short wait, naming what was still open. The timer is unref'd, so it only fires if something
 * else keeps the process running.
 */
function exitSoonAfterDrain(logger: Logger): void {
  setTimeout(() => {
    logger.warn({ open: process.getActiveResourcesInfo() }, 'still open after the drain: exiting');
    process.exit(0);
  }, 3_000).unref();
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new UsageError(`--metrics-port: expected an integer from 0 to 65535, got "${text}"`);
  return port;
}
