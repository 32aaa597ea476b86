import type { Job, Queue, Worker } from 'bullmq';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { workerMetrics } from './metrics.js';

/** A BullMQ processor, as a Worker takes it. */
export type Processor = (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>;

/** How the watchdog decides that a worker has stopped taking jobs. */
export interface WatchdogOptions {
  /** The queue the worker takes from (its own Queue object, for counts). */
  queue: Queue;
  /** Jobs the worker runs at once (its BullMQ concurrency): with this many in flight it is busy, not stuck. */
  capacity: number;
  /**
   * The worker's limiter max per window: a limiter at this count (or a 429 pause) holds jobs back on
   * purpose. Unset: the worker has no limiter, and BullMQ applies no queue rate limit to it.
   */
  limiterMax?: number;
  /** How often to look (default 5 s). */
  intervalMs?: number;
  /** How long jobs must wait, with room in the worker and no job taken, before it is recreated (default 30 s). */
  stuckAfterMs?: number;
  /** How long a replaced worker may take to finish its jobs before they are handed back (default 30 s). */
  retireWithinMs?: number;
  logger: Logger;
  /** Called with every Worker started, the first and each one that replaces a stuck one (to attach listeners). */
  attach?: (worker: Worker) => void;
}

/**
 * A BullMQ Worker that is recreated when it stops taking jobs while its queue has jobs ready.
 *
 * BullMQ #3088 (and #2964, #4378): after a Sentinel failover or a Redis outage a Worker can keep
 * `isRunning() === true`, emit no error and never take another job, because its blocking
 * connection ended or hangs. BullMQ 5.81 recovers the cases it knows; this watchdog catches any
 * that remain from the outside, by behaviour: jobs ready (wait/prioritized), room in the worker,
 * no rate limit or global-concurrency cap holding them, and still nothing taken for `stuckAfterMs`.
 * Then a new Worker takes over (on a new blocking connection) and the old one is closed in the
 * background: jobs it still runs finish, or come back through BullMQ's stalled-job check.
 */
export class SupervisedWorker {
  private current: Worker;
  private inFlight = 0;
  private suspectSince: number | undefined;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  private readonly retired = new Set<Promise<void>>();

  constructor(
    private readonly create: (processor: Processor) => Worker,
    private readonly processor: Processor,
    private readonly options: WatchdogOptions,
  ) {
    this.current = create(this.tracked);
    options.attach?.(this.current);
    this.timer = setInterval(() => void this.check(), options.intervalMs ?? 5_000);
    // Only a watchdog: it must not keep the process alive by itself.
    this.timer.unref();
  }

  /** The Worker now in service (a new object after a restart). */
  get worker(): Worker {
    return this.current;
  }

  /**
   * Why the worker takes no jobs now (for /healthz): closing, not running, or suspected of having
   * stopped; undefined when it takes them.
   */
  notTaking(): string | undefined {
    if (this.closed || this.current.closing !== undefined) return 'closing';
    if (!this.current.isRunning()) return 'not running';
    if (this.suspectSince !== undefined) return `jobs ready, none taken for ${Math.round((Date.now() - this.suspectSince) / 1000)} s`;
    return undefined;
  }

  private readonly tracked: Processor = async (job, token, signal) => {
    this.inFlight++;
    this.suspectSince = undefined;
    try {
      return await this.processor(job, token, signal);
    } finally {
      this.inFlight--;
    }
  };

  /** One look; public so tests can step it. */
  async check(): Promise<void> {
    if (this.closed || this.checking) return;
    this.checking = true;
    try {
      if (this.current.isPaused() || this.current.closing !== undefined || this.inFlight >= this.options.capacity || !(await withinMs(this.jobsHeldForNoReason(), 10_000))) {
        this.suspectSince = undefined;
        return;
      }
      const now = Date.now();
      this.suspectSince ??= now;
      if (now - this.suspectSince >= (this.options.stuckAfterMs ?? 30_000) && !this.closed) this.restart(now - this.suspectSince);
    } catch {
      // Redis unreachable: nothing can be taken anyway, and the connection's own log says why.
      this.suspectSince = undefined;
    } finally {
      this.checking = false;
    }
  }

  /** Jobs are ready and nothing in Redis (limiter, 429 pause, global cap) keeps this worker from them. */
  private async jobsHeldForNoReason(): Promise<boolean> {
    const { queue } = this.options;
    const counts = await queue.getJobCounts('wait', 'prioritized', 'active');
    if ((counts.wait ?? 0) + (counts.prioritized ?? 0) === 0) return false;
    if (this.options.limiterMax !== undefined && (await queue.getRateLimitTtl(this.options.limiterMax)) > 0) return false;
    const cap = await queue.getGlobalConcurrency();
    return cap === null || (counts.active ?? 0) < cap;
  }

  private restart(stuckMs: number): void {
    const old = this.current;
    this.options.logger.warn(
      { queue: old.name, stuckMs, inFlight: this.inFlight },
      'worker stopped taking jobs while jobs are waiting (BullMQ #3088): starting a new one',
    );
    workerMetrics.watchdogRestarts.inc({ queue: old.name });
    this.current = this.create(this.tracked);
    this.options.attach?.(this.current);
    this.suspectSince = undefined;
    const retiring = closeWithin(old, this.options.retireWithinMs ?? 30_000).catch((error: unknown) =>
      this.options.logger.warn({ queue: old.name, err: coerceError(error).message }, 'closing the stuck worker failed'),
    );
    this.retired.add(retiring);
    void retiring.finally(() => this.retired.delete(retiring));
  }

  /** Stops the watchdog and closes the worker (force: hand jobs back at once). Safe to call twice. */
  async close(force = false): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    if (force) this.current.cancelAllJobs('worker shutting down');
    await Promise.allSettled([this.current.close(force), ...this.retired]);
  }
}

/** The promise's value, or a rejection after `ms`: a command that hangs must not stop the watchdog for good. */
async function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a worker, waiting for its jobs up to `ms`, then forces and drops its blocking connection. */
async function closeWithin(worker: Worker, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
    timer.unref();
  });
  try {
    if ((await Promise.race([worker.close(), deadline])) === 'late') {
      worker.cancelAllJobs('stuck worker replaced');
      await Promise.race([worker.close(true), new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
  } finally {
    clearTimeout(timer);
    // Never worker.disconnect(): that would drop the connection the process shares. The blocking
    // connection is the worker's own (a duplicate), and the one that was stuck.
    const blocking = (worker as unknown as { blockingConnection?: { disconnect(wait?: boolean): Promise<void> } }).blockingConnection;
    await blocking?.disconnect(false).catch(() => undefined);
  }
}
