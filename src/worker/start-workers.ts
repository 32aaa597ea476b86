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
import { bookKeys, bullPrefix, requestBudgetKey, shardPrefixes, tokenBudgetKey, useShards } from '../queue/keys.js';
import { STOPPED_STATES } from '../queue/book-record.js';
import { ADMISSION_LIMITER } from '../producer/enqueue-processor.js';
import { promoteBooks } from '../producer/promote-books.js';
import { BookFlowProducer } from '../queue/book-flow-producer.js';

/** How often a worker looks for submitted books to move into BullMQ. */
const PROMOTE_EVERY_MS = 250;
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
import { withRequestBudget } from './request-limited-narrator.js';
import { ConfigError } from '../errors.js';
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

/**
 * The running workers of one process: chunks, parts, books, the rest of long books' chunks, webhooks.
 * With several shards (NARRATE_SHARDS) there is one Worker per shard for each queue of book work,
 * all sharing the process's call slots; the fields below are shard 0's, `shards` has them all.
 */
export interface RunningWorkers {
  /** Each is the Worker now in service (a new object if the watchdog replaced a stuck one). */
  readonly synthesize: Worker;
  readonly finalize: Worker;
  readonly encode: Worker;
  readonly enqueue: Worker;
  readonly notify: Worker;
  /** The Workers of book work of each shard, shard 0 first. */
  readonly shards: readonly { readonly prefix: string; readonly synthesize: Worker; readonly finalize: Worker; readonly encode: Worker; readonly enqueue: Worker }[];
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
  // Every book's keys of this process follow from the shard count (see keys.ts).
  useShards(config.prefix, config.shards);
  const shardTags = shardPrefixes(config.prefix, config.shards);
  const shardCount = shardTags.length;
  // BullMQ's global concurrency is kept per queue: with several shards each shard's synthesize
  // queue gets an equal part, so the fleet's sum stays at or under the cap.
  if (config.globalConcurrency !== undefined && config.globalConcurrency < shardCount) {
    throw new ConfigError(`NARRATE_GLOBAL_CONCURRENCY=${config.globalConcurrency} is less than NARRATE_SHARDS=${shardCount}: each shard needs at least one chunk in flight; raise it to ${shardCount} or more`);
  }
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
  const budgeted = config.tpm === undefined ? provider : withTokenBudget(provider, new TokenBudget(connection, tokenBudgetKey(config.prefix), config.tpm));
  // NARRATE_RPM: BullMQ's limiter with one shard; with more, the same spread (max starts per
  // duration) kept as a sliding window in the fleet's own key (see withRequestBudget).
  const spread = rpmLimiter(config.rpm);
  const narrator = config.rpm === undefined || shardCount === 1 ? budgeted : withRequestBudget(budgeted, new TokenBudget(connection, requestBudgetKey(config.prefix), spread.max, spread.duration));
  const slots = new CallSlots(options.concurrency ?? config.concurrency);
  workerMetrics.watchSlots(slots.size, () => slots.inUse);
  // The queues of book work, one set per shard; webhooks go through the fleet's one notify queue.
  const shardQueues = shardTags.map((prefix) => ({
    prefix,
    synthesize: new Queue(SYNTHESIZE_QUEUE, { connection, prefix }),
    finalize: new Queue(FINALIZE_QUEUE, { connection, prefix }),
    encode: new Queue(ENCODE_QUEUE, { connection, prefix }),
    enqueue: new Queue(ENQUEUE_QUEUE, { connection, prefix }),
  }));
  const notifyQueue = new Queue(NOTIFY_QUEUE, { connection, prefix: bullPrefix(config.prefix) });
  const allQueues = [...shardQueues.flatMap((q) => [q.synthesize, q.enqueue, q.encode, q.finalize]), notifyQueue];
  let onOverBudget = (_bookId: string) => {};
  const ledger = new BookLedger(connection, {
    prefix: config.prefix,
    prices,
    ...(config.dailyBudgetUsd === undefined ? {} : { dailyBudgetUsd: config.dailyBudgetUsd }),
    onOverBudget: (bookId) => onOverBudget(bookId),
    onChargeError: (bookId, error) => logger.error({ bookId, err: coerceError(error).message }, 'could not charge a model call to its book'),
    onCharged: (usd) => workerMetrics.costUsd.inc(usd),
  });
  // A Queue re-emits connection errors; logRedisWaits already reports them once.
  for (const q of allQueues) q.on('error', () => undefined);
  const queueDepth = registerQueueDepth(workerMetrics.registry, allQueues);
  // Each job of a flow names its prefix (partFlow): one producer serves every shard.
  const flows = new BookFlowProducer({ connection, prefix: bullPrefix(config.prefix) });
  // Admission runs one book at a time per shard across the fleet (see enqueueProcessor); set by every worker, the same value.
  for (const q of shardQueues) void q.enqueue.setGlobalConcurrency(1).catch((error: unknown) => logger.warn({ err: coerceError(error).message }, 'cannot set the enqueue queue\'s global concurrency'));
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
    prefix: string,
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
  const limiter = rpmLimiter(shardCount === 1 ? config.rpm : undefined);
  // Where finished books go: a directory, or an s3:// --out (each book names its own).
  const outputs = bookOutputs(config.s3);
  const refs = new SegmentRefs(connection, config.prefix);
  const synthesizeQueues = shardQueues.map((q) => q.synthesize);
  // One Worker per shard and queue. Each synthesize Worker may hold as many jobs as the process's
  // call slots and prefetch, so one shard alone can keep every slot busy; the slots are shared and
  // handed out first come, first served, so while several shards have work each gets its turn as
  // its jobs end (no shard waits behind another's backlog).
  const shardWorkers = shardQueues.map((q) => {
    const synthesize = supervise(
      q.prefix,
      q.synthesize,
      synthesizeProcessor({ narrator, store, spool, slots, queues: synthesizeQueues, logger, ledger, texts, refs, verify: { threshold: config.similarityThreshold, ...options.verify }, align: options.align ?? config.align, ...(options.aligner ? { aligner: options.aligner } : {}) }) as Processor,
      {
        // A few jobs more than calls, fetched and looked up ahead, so a call slot never waits on Redis.
        concurrency: slots.size + prefetchFor(slots.size),
        limiter,
        ...redelivered,
      },
      'failures',
    );
    if (config.globalConcurrency !== undefined) {
      // Stored on the queue in Redis: the cap holds across every worker process of the fleet (its
      // equal part per shard, see above).
      const cap = Math.floor(config.globalConcurrency / shardCount);
      void q.synthesize.setGlobalConcurrency(cap).catch((error: unknown) => logger.error({ err: coerceError(error).message }, 'could not set global concurrency'));
    }
    const finalize = supervise(
      q.prefix,
      q.finalize,
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
      q.prefix,
      q.encode,
      partProcessor({ store, logger, encode: q.encode, outputs, prefix: config.prefix }) as Processor,
      {
        concurrency: options.encodeConcurrency ?? 1,
        ...redelivered,
      },
      'failures',
    );
    // Admission (see enqueueProcessor). A dead worker's enqueue job comes back like its chunks do.
    const enqueue = supervise(
      q.prefix,
      q.enqueue,
      enqueueProcessor({
        flows,
        finalize: q.finalize,
        encode: q.encode,
        synthesize: q.synthesize,
        enqueue: q.enqueue,
        logger,
        texts,
        retry: { attempts: config.maxAttempts, backoffMs: config.backoffMs },
        // The fleet's window, shared evenly by the shards.
        window: Math.max(1, Math.ceil(config.admitChunks / shardCount)),
        stopped: async (bookId) => (STOPPED_STATES as readonly (string | null)[]).includes(await connection.hget(bookKeys(config.prefix, bookId).record, 'state')),
      }) as Processor,
      {
        // One admission at a time per shard across the fleet (the queue's global concurrency), so
        // the window is passed by one part at most. The limiter is what a full window pauses
        // (queue.rateLimit holds only workers that have one); admissions never reach its max.
        concurrency: 1,
        limiter: ADMISSION_LIMITER,
        ...redelivered,
      },
      'failures',
    );
    return { prefix: q.prefix, synthesize, finalize, encode, enqueue };
  });
  const first = shardWorkers[0]!;
  // Webhook posts: a few at a time, each retried with backoff (see bookEnded), never part of a book.
  // Each failed attempt is logged with its next attempt's time, by every Worker the watchdog starts.
  const notify = supervise(bullPrefix(config.prefix), notifyQueue, notifyProcessor({ secret: config.webhookSecret, allowPrivate: config.webhookAllowPrivate, logger }) as Processor, { concurrency: 4 }, 'none', (w) =>
    logDeliveryFailures(w, logger),
  );

  const checks = workerHealthChecks({ connection, store, supervised });

  // Books submitted and not yet in BullMQ go in, in submit order, as each shard's enqueue queue
  // empties (one promoter per shard at a time across the fleet). A failure is logged and the next round tries again.
  let promoting = false;
  const promoter = setInterval(() => {
    if (promoting) return;
    promoting = true;
    Promise.all(shardQueues.map((q) => promoteBooks({ redis: connection, prefix: config.prefix, shardPrefix: q.prefix, producer: flows, finalize: q.finalize, enqueue: q.enqueue, texts, logger })))
      .catch((error: unknown) => {
        const message = coerceError(error).message;
        if (!REDIS_DOWN.test(message)) logger.warn({ err: message }, 'cannot move queued books into BullMQ; trying again');
      })
      .finally(() => (promoting = false));
  }, PROMOTE_EVERY_MS);
  promoter.unref();

  let closing: Promise<void> | undefined;
  return {
    get synthesize() {
      return first.synthesize.worker;
    },
    get finalize() {
      return first.finalize.worker;
    },
    get encode() {
      return first.encode.worker;
    },
    get enqueue() {
      return first.enqueue.worker;
    },
    shards: shardWorkers.map((w) => ({
      prefix: w.prefix,
      get synthesize() {
        return w.synthesize.worker;
      },
      get finalize() {
        return w.finalize.worker;
      },
      get encode() {
        return w.encode.worker;
      },
      get enqueue() {
        return w.enqueue.worker;
      },
    })),
    get notify() {
      return notify.worker;
    },
    connection,
    health: () => runHealthChecks(checks),
    close(force = false) {
      if (closing && !force) return closing;
      clearInterval(promoter);
      // Jobs still waiting for a call slot have bought nothing: they go back to the queue now.
      slots.drain();
      // Every cleanup runs even when one fails (BullMQ's own close does the same). A forced close
      // aborts the signals of the jobs in flight (SupervisedWorker.close), which is what actually
      // hands them back (as a failed attempt, retried after backoff): BullMQ's close(true) waits on
      // a close already under way, which waits on those jobs.
      const run = Promise.allSettled(supervised.map((s) => s.close(force)))
        .then(() => Promise.allSettled([...allQueues.map((q) => q.close()), flows.close(), narrator.close?.(), options.store ? undefined : store.close()]))
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
