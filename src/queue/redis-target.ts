import { ConfigError } from '../errors.js';

/** One Redis node of a Cluster or one sentinel. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Which Redis narrate talks to: one server (REDIS_URL), a Redis Cluster (NARRATE_REDIS_CLUSTER) or
 * a master found through Sentinel (NARRATE_REDIS_SENTINELS + NARRATE_REDIS_SENTINEL_NAME).
 */
export type RedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[]; readonly password?: string }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly RedisNode[]; readonly name: string; readonly password?: string };

/** The environment values a RedisTarget is made of, already trimmed (empty = unset). */
export interface RedisEnv {
  REDIS_URL: string;
  NARRATE_REDIS_CLUSTER?: string | undefined;
  NARRATE_REDIS_SENTINELS?: string | undefined;
  NARRATE_REDIS_SENTINEL_NAME?: string | undefined;
  NARRATE_REDIS_PASSWORD?: string | undefined;
}

/**
 * Picks the Redis target from the environment. The three ways are mutually exclusive: a REDIS_URL
 * set explicitly beside a Cluster or Sentinel list would leave the reader guessing which one wins.
 */
export function redisTargetFrom(env: RedisEnv, urlGiven: boolean): RedisTarget {
  const cluster = env.NARRATE_REDIS_CLUSTER;
  const sentinels = env.NARRATE_REDIS_SENTINELS;
  const name = env.NARRATE_REDIS_SENTINEL_NAME;
  const password = env.NARRATE_REDIS_PASSWORD;
  const chosen = [urlGiven && 'REDIS_URL', cluster !== undefined && 'NARRATE_REDIS_CLUSTER', sentinels !== undefined && 'NARRATE_REDIS_SENTINELS'].filter(
    (v): v is string => typeof v === 'string',
  );
  if (chosen.length > 1) {
    throw new ConfigError(`${chosen.join(' and ')}: expected only one way to reach Redis (REDIS_URL, NARRATE_REDIS_CLUSTER or NARRATE_REDIS_SENTINELS), got ${chosen.length}`);
  }
  if (name !== undefined && sentinels === undefined) {
    throw new ConfigError(`NARRATE_REDIS_SENTINEL_NAME: expected only together with NARRATE_REDIS_SENTINELS, got it alone`);
  }
  if (cluster !== undefined) {
    return { kind: 'cluster', nodes: parseNodes('NARRATE_REDIS_CLUSTER', cluster), ...(password === undefined ? {} : { password }) };
  }
  if (sentinels !== undefined) {
    const nodes = parseNodes('NARRATE_REDIS_SENTINELS', sentinels);
    if (name === undefined) {
      throw new ConfigError('NARRATE_REDIS_SENTINEL_NAME: expected the master group name the sentinels monitor (e.g. mymaster), got nothing');
    }
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name)) {
      throw new ConfigError(`NARRATE_REDIS_SENTINEL_NAME: expected letters, digits, "_", "." or "-", got ${JSON.stringify(name)}`);
    }
    return { kind: 'sentinel', sentinels: nodes, name, ...(password === undefined ? {} : { password }) };
  }
  if (password !== undefined) {
    throw new ConfigError('NARRATE_REDIS_PASSWORD: expected only with NARRATE_REDIS_CLUSTER or NARRATE_REDIS_SENTINELS (a single server takes it in REDIS_URL: redis://:password@host:6379), got it alone');
  }
  return { kind: 'single', url: env.REDIS_URL };
}

/** Parses `host:port,host:port` (IPv6 as `[::1]:6379`); the error names the variable and the bad entry. */
export function parseNodes(variable: string, value: string): RedisNode[] {
  const entries = value.split(',').map((s) => s.trim());
  const nodes: RedisNode[] = [];
  for (const entry of entries) {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65_535) {
      throw new ConfigError(`${variable}: expected host:port pairs separated by commas (e.g. redis-1:6379,redis-2:6379), got ${JSON.stringify(entry)} in ${JSON.stringify(value)}`);
    }
    nodes.push({ host: match[1] ?? match[2]!, port });
  }
  return nodes;
}

/** The target in words for messages and logs, never with a password in it. */
export function describeRedis(target: RedisTarget): string {
  const list = (nodes: readonly RedisNode[]) => nodes.map((n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`).join(',');
  switch (target.kind) {
    case 'single':
      return `${redactUrl(target.url)} (REDIS_URL)`;
    case 'cluster':
      return `Redis Cluster ${list(target.nodes)} (NARRATE_REDIS_CLUSTER)`;
    case 'sentinel':
      return `Sentinel master "${target.name}" via ${list(target.sentinels)} (NARRATE_REDIS_SENTINELS)`;
  }
}

/** A redis:// URL with its password replaced by `***` (user names stay: they help and are not secret). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(an unparsable URL)';
  }
}
