import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { coerceError, ConfigError } from '../errors.js';
import { quietClosedConnections } from './quiet-closed-connections.js';
import { describeRedis, type RedisTarget } from './redis-target.js';

/** A connection BullMQ accepts: one server (also behind Sentinel) or a Cluster. */
export type RedisConnection = Redis | Cluster;

/** Reconnect forever with a capped delay; BullMQ resumes where it was once the server is back. */
const retryStrategy = (times: number): number => Math.min(times * 200, 2_000);

/**
 * Opens an ioredis connection as BullMQ's production guide asks, to one server, a Cluster or a
 * Sentinel-managed master (`target`: Config.redis, or a redis:// URL for one server).
 * `worker: true` sets maxRetriesPerRequest to null (required for blocking worker commands, and it
 * lets a worker ride out a Redis restart or a failover instead of failing its commands); producers
 * keep a small number so a dead Redis fails with an error instead of hanging the CLI.
 */
export function openRedis(target: string, options?: { worker?: boolean; name?: string }): Redis;
export function openRedis(target: RedisTarget | string, options?: { worker?: boolean; name?: string }): RedisConnection;
export function openRedis(target: RedisTarget | string, options: { worker?: boolean; name?: string } = {}): RedisConnection {
  // Every BullMQ object gets its connection from here: guard them before the first exists.
  quietClosedConnections();
  const resolved: RedisTarget = typeof target === 'string' ? { kind: 'single', url: target } : target;
  const perCommand: RedisOptions = {
    maxRetriesPerRequest: options.worker ? null : 3,
    // ioredis waits this long for a socket to close on disconnect, holding the process open: a
    // command that gives up on an unreachable Redis should exit at once (default 2 s).
    disconnectTimeout: 200,
    ...(options.name === undefined ? {} : { connectionName: options.name }),
  };
  if (resolved.kind === 'cluster') {
    const clusterOptions: ClusterOptions = {
      // BullMQ reads maxRetriesPerRequest from redisOptions for a Cluster (and wants null on workers).
      redisOptions: { ...perCommand, ...(resolved.password === undefined ? {} : { password: resolved.password }) },
      clusterRetryStrategy: retryStrategy,
      enableOfflineQueue: true,
      enableReadyCheck: true,
      // Every key of a queue is in one slot ({prefix}); reads from replicas could see a job's state late.
      scaleReads: 'master',
      // A failover moves slots: wait for the replica's promotion instead of failing the command.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      retryDelayOnTryAgain: 200,
    };
    return new Cluster(resolved.nodes.map((n) => ({ host: n.host, port: n.port })), clusterOptions);
  }
  const common: RedisOptions = { ...perCommand, retryStrategy, enableOfflineQueue: true, lazyConnect: false };
  if (resolved.kind === 'sentinel') {
    return releasingSentinels(new Redis({
      ...common,
      sentinels: resolved.sentinels.map((n) => ({ host: n.host, port: n.port })),
      name: resolved.name,
      role: 'master',
      ...(resolved.password === undefined ? {} : { password: resolved.password }),
      // Subscribe to the sentinels' +switch-master and drop the connection to a demoted master at
      // once, rather than writing to it until a command fails (ioredis's failover detector).
      failoverDetector: true,
      // Keep asking the sentinels while none answers (a rolling restart of them all).
      sentinelRetryStrategy: (times) => Math.min(times * 100, 1_000),
      // A master demoted to replica answers writes with READONLY: reconnect (through the sentinels,
      // to the new master) and resend the command instead of failing it.
      reconnectOnError: (error) => (/READONLY/.test(error.message) ? 2 : false),
    }));
  }
  return new Redis(resolved.url, common);
}

/**
 * ioredis's failover detector holds a subscription to every sentinel, and only disconnect() drops
 * it: after quit() (which BullMQ uses on the connections it duplicates for its workers) those
 * sockets stay open and keep a finished command or a drained worker from exiting. So once a
 * connection has ended, disconnect() it too, and do the same for every duplicate made of it.
 */
function releasingSentinels(connection: Redis): Redis {
  connection.once('end', () => connection.disconnect());
  const duplicate = connection.duplicate.bind(connection);
  connection.duplicate = (override?: Partial<RedisOptions>) => releasingSentinels(duplicate(override));
  return connection;
}

/** Redis could not be reached in time: the command stops with a message naming where it looked and why. */
export class RedisUnreachableError extends ConfigError {}

/** How long a command waits for Redis before it gives up (connectRedis's default). */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Opens a connection for a command (run, submit, status, dashboard, ...) and waits until it is
 * ready. A Redis that does not answer within `timeoutMs` (default REDIS_CONNECT_TIMEOUT_MS) is an
 * error naming the target (never its password), the last cause, and how many connection attempts
 * were made in how long, instead of a command that hangs.
 */
export async function connectRedis(target: RedisTarget, options: { name?: string; worker?: boolean; timeoutMs?: number } = {}): Promise<RedisConnection> {
  const started = performance.now();
  const connection = openRedis(target, options);
  const timeoutMs = options.timeoutMs ?? REDIS_CONNECT_TIMEOUT_MS;
  let lastError: Error | undefined;
  let attempts = 1;
  const onError = (error: unknown) => {
    lastError = coerceError(error);
  };
  const onReconnecting = () => attempts++;
  connection.on('error', onError);
  connection.on('reconnecting', onReconnecting);
  try {
    await new Promise<void>((resolve, reject) => {
      if (connection.status === 'ready') return resolve();
      const timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      connection.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return connection;
  } catch {
    connection.disconnect();
    const cause = lastError ? causeOf(lastError) : 'no answer';
    // Measured here, not by whoever watches the process: the wait is the command's, its start-up is not.
    const waited = `${attempts} connection attempt${attempts === 1 ? '' : 's'} in ${((performance.now() - started) / 1000).toFixed(1)} s`;
    throw new RedisUnreachableError(`cannot reach Redis at ${describeRedis(target)}: ${cause} (${waited})`);
  } finally {
    connection.off('error', onError);
    connection.off('reconnecting', onReconnecting);
  }
}

/** The useful part of an ioredis error: AggregateErrors (a Cluster's nodes, or localhost's IPv4/IPv6) say little on their own. */
export function causeOf(error: Error): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map((e) => coerceError(e).message))].join('; ');
  }
  const lastNodeError = (error as { lastNodeError?: unknown }).lastNodeError;
  if (lastNodeError !== undefined) return `${error.message} (${coerceError(lastNodeError).message})`;
  return error.message;
}

/** Whether the connection is up: a Cluster reports `connect`/`ready`, a server `ready`. */
export function isConnected(connection: RedisConnection): boolean {
  return connection.status === 'ready' || (connection instanceof Cluster && connection.status === 'connect');
}
