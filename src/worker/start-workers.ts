import { FlowProducer, Queue, Worker, type WorkerOptions as BullWorkerOptions } from 'bullmq';
import type { Config } from '../config.js';
import { coerceError } from '../errors.js';
import { finalizeProcessor } from '../finalizer/finalize-processor.js';
import { partProcessor } from '../finalizer/part-processor.js';
import type { Logger } from '../logger.js';
import { createNarrator } from '../providers/create-narrator.js';
import type { Narrator } from '../providers/narrator.js';
import { openRedis, type RedisConnection } from '../queue/connection.js';
import { registerQueueDepth } from '../queue/queue-depth-metric.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../queue/names.js';
import { bullPrefix, tokenBudgetKey } from '../queue/keys.js';
import { enqueueProcessor } from '../producer/enqueue-processor.js';
import { bookOutputs } from '../store/open-book-output.js';
import { openSegmentStore } from '../store/open-segment-store.js';
import type { SegmentStore } from '../store/segment-store.js';
import { SegmentRefs } from '../queue/segment-refs.js';
import { TextCache } from '../store/text-objects.js';
import { TokenBudget } from '../queue/token-budget.js';
import { CallSlots, prefetchFor } from './call-slots.js';
import type { VerifyOptions } from './narrate-chunk.js';
import type { AlignReading } from './align-reading.js';
import { logRedisWaits } from './log-redis-waits.js';
import { runHealthChecks, type HealthReport } from './metrics-server.js';
import { rpmLimiter } from './rpm-limiter.js';
import { workerHealthChecks } from './worker-health.js';
import { withCallMetrics, withStoreMetrics, workerMetrics } from './metrics.js';
import { SupervisedWorker, type Processor } from './supervised-worker.js';
import { synthesizeProcessor } from './synthesize-processor.js';
import { withTokenBudget } from './token-limited-narrator.js';
import { BookLedger } from '../money/book-ledger.js';
import { loadPrices, type PriceTable } from '../money/prices.js';
import { notifyProcessor } from '../notify/notify-processor.js';
import { logDeliveryFailures } from '../notify/log-delivery-failures.js';
import { NOTIFY_QUEUE } from '../queue/names.js';
import { trackBooks } from './track-books.js';

/** Options of a worker process; each defaults from Config. */
export interface WorkerOptions {
  logger: Logger;
  /** Default: the chat-audio model with an API key, else the offline voice. */
  narrator?: Narrator;
  /** Default: the store NARRATE_STORE_URL names (a directory or a bucket). */
  store?: SegmentStore;
  /** Model calls in flight (default config.concurrency); the worker holds prefetchFor(it) jobs more (see CallSlots). */
  concurrency?: number;
  /** Finalize jobs in flight (default 1: ffmpeg already uses the cores). */
  finalizeConcurrency?: number;
  /** Part encodes in flight (default 1: each is one ffmpeg on one core). */
  encodeConcurrency?: number;
  verify?: Partial<VerifyOptions>;
  /** Align readings with their sentences (default: config.align, NARRATE_ALIGN). */
  align?: boolean;
  /** The aligner (default alignReading); tests pass one that fails. */
  aligner?: AlignReading;
  /** The price table (default: loadPrices(config.pricesFile), read before anything opens). */
  prices?: PriceTable;
  /** Watchdog timing, for every worker (default: look every 5 s, recreate a worker stuck for 30 s, give the old one 30 s to finish). */
  watchdog?: { intervalMs?: number; stuckAfterMs?: number; retireWithinMs?: number };
}

/** The running workers of one process: chunks, parts, books, the rest of long books' chunks, webhooks. */
export interface RunningWorkers {
  /** Each is the Worker now in service (a new object if the watchdog replaced a stuck one). */
  readonly synthesize: Worker;
  readonly finalize: Worker;
  readonly encode: Worker;
  readonly enqueue: Worker;
  readonly notify: Worker;
  /** The process's Redis connection (shared by its workers and queues). */
  readonly connection: RedisConnection;
  /** Redis reachable, store reachable, every worker taking jobs: what /healthz answers. */
  health(): Promise<HealthReport>;
  /** Stops taking jobs and waits for those in flight (force: hand them back at once). Safe to call twice. */
  close(force?: boolean): Promise<void>;
}

/** Starts the synthesize, encode, finalize, enqueue and notify workers of one process, sharing one Redis connection. */
export function startWorkers(config: Config, options: WorkerOptions): RunningWorkers {
  const { logger } = options;
  const prefix = bullPrefix(config.prefix);
  // Before anything opens: a bad NARRATE_PRICES then stops the process instead of leaving a connection holding it open.
  const prices = options.prices ?? loadPrices(config.pricesFile);
  const connection = openRedis(config.redis, { worker: true, name: 'narrate-worker' });
  const stopLogging = logRedisWaits(connection, config.redis, logger);
  const store = withStoreMetrics(options.store ?? openSegmentStore(config, { logger }));
  const spool = store.spool();
  // Audio left in the spool by workers that died mid-call, long enough ago that no call still owns it.
  void spool.sweep().catch(() => undefined);
  const provider = withCallMetrics(options.narrator ?? createNarrator(config, spool));
  // Cluster-safe beside BullMQ's keys: the same {prefix} hash tag.
  const narrator = config.tpm === undefined ? provider : withTokenBudget(provider, new TokenBudget(connection, tokenBudgetKey(config.prefix), config.tpm));
  const slots = new CallSlots(options.concurrency ?? config.concurrency);
  workerMetrics.watchSlots(slots.size, () => slots.inUse);
  const queue = new Queue(SYNTHESIZE_QUEUE, { connection, prefix });
  const finalizeQueue = new Queue(FINALIZE_QUEUE, { connection, prefix });
  const notifyQueue = new Queue(NOTIFY_QUEUE, { connection, prefix });
  let onOverBudget = (_bookId: string) => {};
  const ledger = new BookLedger(connection, {
    prefix: config.prefix,
    prices,
    ...(config.dailyBudgetUsd === undefined ? {} : { dailyBudgetUsd: config.dailyBudgetUsd }),
    onOverBudget: (bookId) => onOverBudget(bookId),
    onChargeError: (bookId, error) => logger.error({ bookId, err: coerceError(error).message }, 'could not charge a model call to its book'),
    onCharged: (usd) => workerMetrics.costUsd.inc(usd),
  });
  const encodeQueue = new Queue(ENCODE_QUEUE, { connection, prefix });
  const enqueueQueue = new Queue(ENQUEUE_QUEUE, { connection, prefix });
  // A Queue re-emits connection errors; logRedisWaits already reports them once.
  for (const q of [queue, finalizeQueue, encodeQueue, enqueueQueue, notifyQueue]) q.on('error', () => undefined);
  const queueDepth = registerQueueDepth(workerMetrics.registry, [queue, enqueueQueue, encodeQueue, finalizeQueue, notifyQueue]);
  const flows = new FlowProducer({ connection, prefix });
  // Chunk texts and plans, read from the store once per part and kept (they never change).
  const texts = new TextCache(store);
  const tracker = trackBooks({ redis: connection, prefix: config.prefix, notify: notifyQueue, webhookUrl: config.webhookUrl, logger });
  onOverBudget = (bookId) => {
    logger.warn({ bookId }, 'book reached its cost cap: stopped');
    tracker.ended(bookId);
  };
  const logErrors = (w: Worker) =>
    w.on('error', (error) => {
      const message = coerceError(error).message;
      // Losing Redis is reported once every few seconds by logRedisWaits, not by every worker and connection.
      if (REDIS_DOWN.test(message)) return;
      logger.error({ err: message, queue: w.name }, 'worker error');
    });

  // Every worker is supervised: a watchdog recreates one that stops taking jobs without an error
  // (BullMQ #3088, after a Sentinel failover), whichever queue it serves, and /healthz reports it
  // until then. Each Worker it starts gets the same listeners as the first.
  const supervised: SupervisedWorker[] = [];
  const supervise = (
    queueOf: Queue,
    processor: Processor,
    settings: Omit<BullWorkerOptions, 'connection' | 'prefix'> & { concurrency: number },
    books: 'finalize' | 'failures' | 'none',
    listen?: (worker: Worker) => void,
  ): SupervisedWorker => {
    const worker = new SupervisedWorker((p) => new Worker(queueOf.name, p, { connection, prefix, ...settings }), processor, {
      queue: queueOf,
      capacity: settings.concurrency,
      ...(settings.limiter === undefined ? {} : { limiterMax: settings.limiter.max }),
      logger,
      ...options.watchdog,
      attach: (w) => {
        logErrors(w);
        if (books !== 'none') tracker.follow(w, { finalize: books === 'finalize' });
        listen?.(w);
      },
    });
    supervised.push(worker);
    return worker;
  };

  // A dead worker's jobs come back after one lock period, and a job may be orphaned a few times
  // (several crashes in a row) before BullMQ gives up on it: chunks, parts and enqueue jobs alike.
  const redelivered = { lockDuration: config.lockDurationMs, stalledInterval: config.lockDurationMs, maxStalledCount: 5 };
  const limiter = rpmLimiter(config.rpm);
  // Where finished books go: a directory, or an s3:// --out (each book names its own).
  const outputs = bookOutputs(config.s3);
  const synthesize = supervise(
    queue,
    synthesizeProcessor({ narrator, store, spool, slots, queue, logger, ledger, texts, refs: new SegmentRefs(connection, config.prefix), verify: { threshold: config.similarityThreshold, ...options.verify }, align: options.align ?? config.align, ...(options.aligner ? { aligner: options.aligner } : {}) }) as Processor,
    {
      // A few jobs more than calls, fetched and looked up ahead, so a call slot never waits on Redis.
      concurrency: slots.size + prefetchFor(slots.size),
      limiter,
      ...redelivered,
    },
    'failures',
  );
  if (config.globalConcurrency !== undefined) {
    // Stored on the queue in Redis: the cap holds across every worker process of the fleet.
    void queue.setGlobalConcurrency(config.globalConcurrency).catch((error: unknown) => logger.error({ err: coerceError(error).message }, 'could not set global concurrency'));
  }
  const finalize = supervise(
    finalizeQueue,
    finalizeProcessor({ store, logger, outputs }) as Processor,
    {
      concurrency: options.finalizeConcurrency ?? 1,
      // ffmpeg on a long book can hold the lock a while; renewals keep it, this only bounds a dead worker.
      lockDuration: Math.max(config.lockDurationMs, 60_000),
    },
    'finalize',
  );
  // A part is encoded as soon as its chunks are stored, while the book is still being narrated. A
  // dead worker's part comes back after one lock period, like a chunk, and is encoded again.
  const encode = supervise(
    encodeQueue,
    partProcessor({ store, logger, encode: encodeQueue, outputs, prefix: config.prefix }) as Processor,
    {
      concurrency: options.encodeConcurrency ?? 1,
      ...redelivered,
    },
    'failures',
  );
  // A few at once: each is a long book's chunks going into Redis in batches, a moment's work. A
  // dead worker's enqueue job comes back like its chunks do, and may do so as often.
  const enqueue = supervise(
    enqueueQueue,
    enqueueProcessor({ flows, finalize: finalizeQueue, encode: encodeQueue, logger, texts }) as Processor,
    {
      concurrency: 4,
      ...redelivered,
    },
    'failures',
  );
  // Webhook posts: a few at a time, each retried with backoff (see bookEnded), never part of a book.
  // Each failed attempt is logged with its next attempt's time, by every Worker the watchdog starts.
  const notify = supervise(notifyQueue, notifyProcessor({ secret: config.webhookSecret, allowPrivate: config.webhookAllowPrivate, logger }) as Processor, { concurrency: 4 }, 'none', (w) =>
    logDeliveryFailures(w, logger),
  );

  const checks = workerHealthChecks({ connection, store, supervised });

  let closing: Promise<void> | undefined;
  return {
    get synthesize() {
      return synthesize.worker;
    },
    get finalize() {
      return finalize.worker;
    },
    get encode() {
      return encode.worker;
    },
    get enqueue() {
      return enqueue.worker;
    },
    get notify() {
      return notify.worker;
    },
    connection,
    health: () => runHealthChecks(checks),
    close(force = false) {
      if (closing && !force) return closing;
      // Jobs still waiting for a call slot have bought nothing: they go back to the queue now.
      slots.drain();
      // Every cleanup runs even when one fails (BullMQ's own close does the same). A forced close
      // aborts the signals of the jobs in flight (SupervisedWorker.close), which is what actually
      // hands them back (as a failed attempt, retried after backoff): BullMQ's close(true) waits on
      // a close already under way, which waits on those jobs.
      const run = Promise.allSettled(supervised.map((s) => s.close(force)))
        .then(() => Promise.allSettled([queue.close(), finalizeQueue.close(), encodeQueue.close(), flows.close(), notifyQueue.close(), enqueueQueue.close(), narrator.close?.(), options.store ? undefined : store.close()]))
        .then(() => {
          if (workerMetrics.registry.getSingleMetric('narrate_queue_jobs') === queueDepth) workerMetrics.registry.removeSingleMetric('narrate_queue_jobs');
          stopLogging();
        })
        .then(() => connection.quit().catch(() => connection.disconnect()))
        .then(() => undefined);
      closing = run;
      return run;
    },
  };
}

/** Errors that only say Redis is out of reach (a socket refused, reset or closed). */
const REDIS_DOWN = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed/;
