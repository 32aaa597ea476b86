import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { describeRedis, redactUrl } from '../../../src/queue/redis-target.js';

describe('which Redis: one server, a Cluster or Sentinel', () => {
  it('defaults to one server at REDIS_URL', () => {
    expect(loadConfig({}).redis).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
  });

  it('reads a Cluster from NARRATE_REDIS_CLUSTER, IPv6 included', () => {
    const c = loadConfig({ NARRATE_REDIS_CLUSTER: 'redis-1:7000, 10.0.0.2:7001,[::1]:7002', NARRATE_REDIS_PASSWORD: 'pw' });
    expect(c.redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'redis-1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      password: 'pw',
    });
    expect(describeRedis(c.redis)).toBe('Redis Cluster redis-1:7000,10.0.0.2:7001,[::1]:7002 (NARRATE_REDIS_CLUSTER)');
  });

  it('reads Sentinel from NARRATE_REDIS_SENTINELS and NARRATE_REDIS_SENTINEL_NAME', () => {
    const c = loadConfig({ NARRATE_REDIS_SENTINELS: 's1:26379,s2:26379,s3:26379', NARRATE_REDIS_SENTINEL_NAME: 'mymaster' });
    expect(c.redis).toMatchObject({ kind: 'sentinel', name: 'mymaster', sentinels: [{ host: 's1', port: 26379 }, { host: 's2' }, { host: 's3' }] });
    expect(describeRedis(c.redis)).toContain('Sentinel master "mymaster" via s1:26379,s2:26379,s3:26379');
  });

  it.each([
    [{ NARRATE_REDIS_CLUSTER: 'redis-1' }, /NARRATE_REDIS_CLUSTER: expected host:port pairs separated by commas .*got "redis-1"/],
    [{ NARRATE_REDIS_CLUSTER: 'a:1,b:99999' }, /NARRATE_REDIS_CLUSTER: .*got "b:99999"/],
    [{ NARRATE_REDIS_SENTINELS: 's1:26379' }, /NARRATE_REDIS_SENTINEL_NAME: expected the master group name/],
    [{ NARRATE_REDIS_SENTINEL_NAME: 'mymaster' }, /NARRATE_REDIS_SENTINEL_NAME: expected only together with NARRATE_REDIS_SENTINELS/],
    [{ NARRATE_REDIS_SENTINELS: 's1:26379', NARRATE_REDIS_SENTINEL_NAME: 'my master' }, /NARRATE_REDIS_SENTINEL_NAME: expected letters/],
    [{ NARRATE_REDIS_CLUSTER: 'a:1', NARRATE_REDIS_SENTINELS: 's:2', NARRATE_REDIS_SENTINEL_NAME: 'm' }, /NARRATE_REDIS_CLUSTER and NARRATE_REDIS_SENTINELS: expected only one way/],
    [{ REDIS_URL: 'redis://r:6379', NARRATE_REDIS_CLUSTER: 'a:1' }, /REDIS_URL and NARRATE_REDIS_CLUSTER: expected only one way/],
    [{ REDIS_URL: 'redis://r:6379', NARRATE_REDIS_SENTINELS: 's:1', NARRATE_REDIS_SENTINEL_NAME: 'm' }, /REDIS_URL and NARRATE_REDIS_SENTINELS/],
    [{ NARRATE_REDIS_PASSWORD: 'pw' }, /NARRATE_REDIS_PASSWORD: expected only with NARRATE_REDIS_CLUSTER or NARRATE_REDIS_SENTINELS/],
    [{ NARRATE_METRICS_PORT: '70000' }, /NARRATE_METRICS_PORT: expected an integer from 0 to 65535, got "70000"/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrowError(message);
    expect(() => loadConfig(env)).toThrowError(ConfigError);
  });

  it('never shows the Redis password', () => {
    expect(redactUrl('redis://user:s3cret@redis:6379/0')).toBe('redis://user:***@redis:6379/0');
    expect(describeRedis(loadConfig({ REDIS_URL: 'redis://:s3cret@redis:6379' }).redis)).not.toContain('s3cret');
    expect(() => loadConfig({ NARRATE_REDIS_PASSWORD: 's3cret' })).toThrowError(/^(?![\s\S]*s3cret)/);
  });

  it('reads the metrics port and host', () => {
    expect(loadConfig({ NARRATE_METRICS_PORT: '9464' })).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0' });
    expect(loadConfig({}).metricsPort).toBeUndefined();
  });

  // Every command must reach Redis through Config.redis (so Cluster and Sentinel apply), and a
  // command must fail fast rather than hang: src/ opens Redis only via the target, and commands via connectRedis.
  it('src/ opens Redis through Config.redis, and CLI commands through connectRedis', async () => {
    const root = join(import.meta.dirname, '../../../src');
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.ts')) {
          const text = await readFile(path, 'utf8');
          if (/openRedis\(\s*[\w.]*redisUrl/.test(text)) offenders.push(`${path}: openRedis(…redisUrl) ignores NARRATE_REDIS_CLUSTER/SENTINELS; pass config.redis`);
          if (path.includes('/cli/') && /\bopenRedis\(/.test(text)) offenders.push(`${path}: a command opens Redis with connectRedis(config.redis), which fails fast with exit 2 when Redis is unreachable`);
        }
      }
    };
    await walk(root);
    expect(offenders).toEqual([]);
  });
});
