import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import express from 'express';
import { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { coerceError, NarrateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { connectRedis, type RedisConnection } from '../queue/connection.js';
import { ENCODE_QUEUE, FINALIZE_QUEUE, NOTIFY_QUEUE, QUEUE_NAMES, SYNTHESIZE_QUEUE } from '../queue/names.js';
import { bullPrefix, shardOfBook, shardPrefixes } from '../queue/keys.js';
import { joinFleetShards } from '../queue/fleet-shards.js';
import { registerQueueDepth } from '../queue/queue-depth-metric.js';
import { basicAuth } from './basic-auth.js';
import type { BookActions } from './book-actions.js';
import { bookControlActions } from './book-control-actions.js';
import { booksRouter, type BooksRouter } from './books-router.js';
import { checkDashboardBind } from './check-bind.js';
import { createCsrf } from './csrf.js';
import { errorHandler } from './error-handler.js';
import { guardStateChanges } from './guard-state-changes.js';
import { registerLiveMetrics } from './live-metrics.js';
import { loopbackHostOnly } from './loopback-host-only.js';

/** Where the Books page lives; bull-board keeps `/`. */
export const BOOKS_PATH = '/books';

/** Where the dashboard listens. */
export interface DashboardOptions {
  /** Interface to bind. Anything but loopback needs NARRATE_DASHBOARD_USER and NARRATE_DASHBOARD_PASSWORD. */
  host: string;
  /** TCP port; 0 picks a free one, reported in `url`. */
  port: number;
  /** What the Books page's cancel and retry buttons do. */
  actions?: BookActions;
  /** How often the live Books pages are re-read from Redis, in ms (default 1000); one read serves them all. */
  updateIntervalMs?: number;
  /** Output folders whose audio may be served (default config.dashboardServe: NARRATE_DASHBOARD_SERVE, ./out). */
  serve?: readonly string[];
  /** Refuse every state-changing request and show no buttons (default config.dashboardReadOnly). */
  readOnly?: boolean;
  /** Where errors and refusals are logged (default: nowhere). */
  logger?: Logger;
}

/** A running dashboard. */
export interface Dashboard {
  /** Base URL of the board, ending in `/`, with the real port. */
  readonly url: string;
  /** Stops the HTTP server (dropping keep-alive sockets), the queues and Redis. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Serves bull-board for the synthesize and finalize queues of `config.prefix` at the root path,
 * every route (page, static assets, API) behind Basic auth when credentials are configured.
 * Resolves once the server is listening.
 */
export async function startDashboard(config: Config, options: DashboardOptions): Promise<Dashboard> {
  const user = config.dashboardUser;
  const password = config.dashboardPassword;
  const credentials = user !== undefined && password !== undefined ? { user, password } : undefined;
  // Before any connection is opened: a refused bind must leave nothing behind.
  checkDashboardBind(options.host, credentials !== undefined);

  // Fails within a few seconds, naming the target and the cause, when Redis does not answer.
  const redis = await connectRedis(config.redis, { name: `narrate-dashboard:${config.prefix}` });
  await joinFleetShards(redis, config.prefix, config.shards).catch(async (error: unknown) => {
    redis.disconnect();
    throw error;
  });
  // Every shard's queues of book work (shard 0 first), and the fleet's notify queue.
  const shardTags = shardPrefixes(config.prefix);
  const queues = QUEUE_NAMES.flatMap((name): { queue: Queue; shard: number | undefined }[] =>
    name === NOTIFY_QUEUE ? [{ queue: new Queue(name, { connection: redis, prefix: bullPrefix(config.prefix) }), shard: undefined }] : shardTags.map((prefix, shard) => ({ queue: new Queue(name, { connection: redis, prefix }), shard })),
  );
  let server: Server | undefined;
  let books: BooksRouter | undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    books?.close();
    closing ??= closeAll(
      server,
      queues.map((q) => q.queue),
      redis,
    );
    return closing;
  };

  try {
    // Fail here, with a clear message, rather than serve a board whose every API call errors.
    await redis.ping().catch((error: unknown) => {
      throw new NarrateError(`Cannot reach Redis for the dashboard: ${coerceError(error).message}`, {
        retryable: true,
        cause: error,
      });
    });

    const readOnly = options.readOnly ?? config.dashboardReadOnly;
    const board = new ExpressAdapter();
    board.setBasePath('/');
    createBullBoard({
      // readOnlyMode hides bull-board's buttons; guardStateChanges refuses the requests themselves.
      // With several shards each queue is named after its shard too (bull-board keys queues by name).
      queues: queues.map(({ queue, shard }) => new BullMQAdapter(queue, { readOnlyMode: readOnly, ...(shard === undefined || shardTags.length === 1 ? {} : { prefix: `shard${shard}-` }) })),
      serverAdapter: board,
      // miscLinks: bull-board's header menu links to the Books page, which links back.
      options: { uiConfig: { boardTitle: `narrate · ${config.prefix}`, miscLinks: [{ text: 'Books', url: BOOKS_PATH }] } },
    });
    const byName = (name: string, shard = 0): Queue => queues.find((q) => q.queue.name === name && (q.shard ?? 0) === shard)!.queue;
    const ofShard = (shard: number) => ({ finalize: byName(FINALIZE_QUEUE, shard), synthesize: byName(SYNTHESIZE_QUEUE, shard), encode: byName(ENCODE_QUEUE, shard) });
    const shardSources = shardTags.map((_, shard) => ofShard(shard));
    books = booksRouter({
      sources: { ...ofShard(0), forBook: (bookId) => shardSources[shardOfBook(bookId, shardTags.length)]!, redis, prefix: config.prefix },
      actions: options.actions ?? bookControlActions(config, redis),
      csrf: createCsrf(),
      paths: { books: BOOKS_PATH, bullBoard: '/' },
      serve: options.serve ?? config.dashboardServe,
      readOnly,
      maxStreams: config.dashboardMaxStreams,
      ...(options.updateIntervalMs === undefined ? {} : { updateIntervalMs: options.updateIntervalMs }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    const liveCounts = books;

    const app = express();
    app.disable('x-powered-by');
    // First middleware, so it guards everything bull-board mounts after it.
    if (credentials !== undefined) app.use(basicAuth(credentials.user, credentials.password));
    // Without a password the board is loopback-only; refusing other Host names also stops a
    // DNS-rebinding page from reaching it through the visitor's browser.
    else app.use(loopbackHostOnly());
    // Before every router: bull-board's API changes queues on a request from any origin otherwise.
    app.use(guardStateChanges({ readOnly, publicOrigin: config.dashboardOrigin }));
    // Before bull-board, whose router answers every unknown path with its own page.
    app.use(books.router);
    // The fleet's queue depth for Prometheus, behind the same auth as the board.
    const registry = new Registry();
    registerQueueDepth(
      registry,
      queues.map((q) => q.queue),
    );
    registerLiveMetrics(registry, () => liveCounts);
    app.get('/metrics', (_req, res, next) => {
      registry.metrics().then((text) => res.type(registry.contentType).set('Cache-Control', 'no-store').send(text), next);
    });
    app.use('/', board.getRouter() as express.Express);
    // Last: whatever failed above is logged, and the browser sees no stack trace.
    app.use(errorHandler(options.logger));

    const listening = createServer(app);
    server = listening;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      listening.once('error', onError);
      listening.listen(options.port, options.host, () => {
        listening.off('error', onError);
        resolve();
      });
    });
    const address = listening.address() as AddressInfo;
    return { url: `http://${urlHost(options.host)}:${address.port}/`, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Runs every cleanup even when one fails (BullMQ's close() habit), then reports the failures. */
async function closeAll(server: Server | undefined, queues: readonly Queue[], redis: RedisConnection): Promise<void> {
  const errors: Error[] = [];
  const attempt = async (step: () => Promise<unknown>): Promise<void> => {
    try {
      await step();
    } catch (error) {
      errors.push(coerceError(error));
    }
  };

  if (server?.listening) {
    const stopped = server;
    await attempt(
      () =>
        new Promise<void>((resolve, reject) => {
          stopped.close((error) => (error ? reject(error) : resolve()));
          // close() alone waits for idle keep-alive sockets (the board polls every few seconds).
          stopped.closeAllConnections();
        }),
    );
  }
  for (const queue of queues) await attempt(() => queue.close());
  await attempt(async () => {
    try {
      await redis.quit();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
  });

  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'Closing the dashboard failed');
}
