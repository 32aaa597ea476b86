import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, SECRET_VARIABLES, VARIABLE_DOCS, loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      apiKey: undefined,
      baseUrl: 'https://api.aimlapi.com/v1',
      model: 'gpt-4o-audio-preview',
      redisUrl: 'redis://127.0.0.1:6379',
      prefix: 'narrate',
      concurrency: 4,
      requestTimeoutMs: 120_000,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads and converts each variable', () => {
    const c = loadConfig({
      NARRATE_API_KEY: ' sk-1 ',
      NARRATE_BASE_URL: 'http://127.0.0.1:9999/v1/',
      NARRATE_CONCURRENCY: '16',
      NARRATE_REQUEST_TIMEOUT_MS: '5000',
      NARRATE_PREFIX: 'team-a',
      NARRATE_RPM: '600',
      NARRATE_TPM: '150000',
      NARRATE_DASHBOARD_USER: 'ops',
      NARRATE_DASHBOARD_PASSWORD: 'pw',
    });
    expect(c.apiKey).toBe('sk-1');
    expect(c.baseUrl).toBe('http://127.0.0.1:9999/v1');
    expect(c.concurrency).toBe(16);
    expect(c.requestTimeoutMs).toBe(5000);
    expect(c.prefix).toBe('team-a');
    expect(c.rpm).toBe(600);
    expect(c.tpm).toBe(150_000);
  });

  it.each([
    ['NARRATE_CONCURRENCY', '-1', /NARRATE_CONCURRENCY: expected an integer from 1 to 1000, got "-1"/],
    ['NARRATE_CONCURRENCY', '2.5', /NARRATE_CONCURRENCY: expected an integer/],
    ['NARRATE_REQUEST_TIMEOUT_MS', 'soon', /NARRATE_REQUEST_TIMEOUT_MS: expected an integer from 100/],
    ['NARRATE_BASE_URL', 'ftp://example.com', /NARRATE_BASE_URL: expected an http\(s\) URL/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL, got "localhost:6379"/],
    ['NARRATE_PREFIX', 'has space', /NARRATE_PREFIX: expected letters, digits/],
    ['NARRATE_TPM', '0', /NARRATE_TPM: expected an integer from 1/],
    ['NARRATE_LOG_LEVEL', 'loud', /NARRATE_LOG_LEVEL/],
  ])('names %s when it is %j', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(message);
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig({ NARRATE_CONCURRENCY: '0', REDIS_URL: 'x' })).toThrowError(/NARRATE_CONCURRENCY[\s\S]*REDIS_URL|REDIS_URL[\s\S]*NARRATE_CONCURRENCY/);
  });

  it('wants dashboard user and password together', () => {
    expect(() => loadConfig({ NARRATE_DASHBOARD_USER: 'ops' })).toThrowError(/got only NARRATE_DASHBOARD_USER/);
  });

  it('reads the dashboard: served folders, read-only, public origin, stream cap', () => {
    expect(loadConfig({})).toMatchObject({ dashboardServe: ['./out'], dashboardReadOnly: false, dashboardOrigin: undefined, dashboardMaxStreams: 100 });
    const c = loadConfig({ NARRATE_DASHBOARD_SERVE: '/srv/out: /archive ::', NARRATE_DASHBOARD_READ_ONLY: 'TRUE', NARRATE_DASHBOARD_ORIGIN: 'HTTPS://Narrate.Example.com:443/', NARRATE_DASHBOARD_MAX_STREAMS: '5' });
    expect(c).toMatchObject({ dashboardServe: ['/srv/out', '/archive'], dashboardReadOnly: true, dashboardOrigin: 'https://narrate.example.com', dashboardMaxStreams: 5 });
    for (const origin of ['https://narrate.example.com/dashboard', 'narrate.example.com', 'ftp://narrate.example.com', 'https://ops@narrate.example.com', 'https://narrate.example.com/?x']) {
      expect(() => loadConfig({ NARRATE_DASHBOARD_ORIGIN: origin })).toThrowError(`NARRATE_DASHBOARD_ORIGIN: expected an origin: http(s)://host[:port], with no path, query or user name, got ${JSON.stringify(origin)}`);
    }
    expect(() => loadConfig({ NARRATE_DASHBOARD_SERVE: ' : ' })).toThrowError('NARRATE_DASHBOARD_SERVE: expected one or more directories separated by ":", got " : "');
    expect(() => loadConfig({ NARRATE_DASHBOARD_READ_ONLY: 'yes' })).toThrowError('NARRATE_DASHBOARD_READ_ONLY: expected true or false, got "yes"');
    expect(() => loadConfig({ NARRATE_DASHBOARD_MAX_STREAMS: '0' })).toThrowError(/NARRATE_DASHBOARD_MAX_STREAMS: expected an integer from 1 to 100000, got "0"/);
  });

  it('never echoes a secret it rejects', () => {
    expect(() => loadConfig({ NARRATE_DASHBOARD_USER: 'ops', NARRATE_DASHBOARD_PASSWORD: 'x'.repeat(3), NARRATE_RPM: '0' })).toThrowError(/NARRATE_RPM/);
    try {
      loadConfig({ NARRATE_API_KEY: 'sk-secret', NARRATE_BASE_URL: 'nope' });
    } catch (e) {
      expect((e as Error).message).not.toContain('sk-secret');
    }
  });
});

describe('loadConfig: the store', () => {
  it('defaults to the directory .narrate/segments, and NARRATE_STORE_DIR stays a synonym of file://', () => {
    expect(loadConfig({}).store).toEqual({ kind: 'file', dir: '.narrate/segments', url: '.narrate/segments' });
    expect(loadConfig({ NARRATE_STORE_DIR: '/srv/seg' }).store).toEqual({ kind: 'file', dir: '/srv/seg', url: 'file:///srv/seg' });
    expect(loadConfig({ NARRATE_STORE_URL: 'file:///srv/seg' })).toMatchObject({ storeDir: '/srv/seg', store: { kind: 'file', dir: '/srv/seg' } });
  });

  it('reads an s3:// store and the S3 settings, passing them on explicitly', () => {
    const c = loadConfig({
      NARRATE_STORE_URL: 's3://my-bucket/a/b/',
      NARRATE_S3_PATH_STYLE: 'true',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'shh',
    });
    expect(c.store).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'a/b/', url: 's3://my-bucket/a/b/' });
    expect(c.s3).toEqual({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, credentials: { accessKeyId: 'AKIA', secretAccessKey: 'shh' } });
    expect(loadConfig({ NARRATE_STORE_URL: 's3://my-bucket' }).store).toMatchObject({ prefix: '', url: 's3://my-bucket/' });
    expect(loadConfig({}).s3).toEqual({ region: 'us-east-1', endpoint: undefined, forcePathStyle: false, credentials: undefined });
  });

  it.each([
    ['NARRATE_STORE_URL', 'gs://b/p', /NARRATE_STORE_URL: expected file:\/\/\/absolute\/path or s3:\/\/bucket\/prefix, got "gs:\/\/b\/p"/],
    ['NARRATE_STORE_URL', 's3://B_ad/p', /NARRATE_STORE_URL: expected an S3 bucket name/],
    ['NARRATE_STORE_URL', 'file://host/x', /NARRATE_STORE_URL: expected file:\/\/\/absolute\/path \(no host\)/],
    ['NARRATE_S3_PATH_STYLE', 'yes', /NARRATE_S3_PATH_STYLE: expected true or false, got "yes"/],
    ['AWS_ENDPOINT_URL_S3', 'minio:9000', /AWS_ENDPOINT_URL_S3: expected an http\(s\) URL/],
  ])('names %s when it is %j', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(message);
  });

  it('wants one of NARRATE_STORE_URL and NARRATE_STORE_DIR, and both AWS keys or neither, never echoing the secret', () => {
    expect(() => loadConfig({ NARRATE_STORE_URL: 's3://bucket/p', NARRATE_STORE_DIR: '/x' })).toThrowError(/expected one of them/);
    expect(() => loadConfig({ AWS_SECRET_ACCESS_KEY: 'top-secret' })).toThrowError(/got only AWS_SECRET_ACCESS_KEY$/);
    let message = '';
    try {
      loadConfig({ AWS_SECRET_ACCESS_KEY: 'top-secret', NARRATE_CONCURRENCY: 'x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('top-secret');
  });
});

describe('the declarations', () => {
  // The variable table of docs/configuration.md: its rows as [names in the first column, the default cell, every name in the row].
  const rows = readFileSync(join(import.meta.dirname, '../../docs/configuration.md'), 'utf8')
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .map((line) => {
      const cells = line.split(' | ');
      const names = (text: string) => [...text.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);
      return { first: names(cells[0] ?? ''), defaultCell: cells[1] ?? '', all: names(line) };
    });

  it('docs/configuration.md names every variable narrate reads, and no other in its first column', () => {
    const named = new Set(rows.flatMap((r) => r.all));
    expect(ENV_VARIABLES.filter((name) => !named.has(name)), 'read and not documented').toEqual([]);
    expect(rows.flatMap((r) => r.first).filter((name) => !ENV_VARIABLES.includes(name)), 'documented and not read').toEqual([]);
  });

  it('docs/configuration.md gives each declared default, and loadConfig applies it', () => {
    for (const v of VARIABLE_DOCS) {
      if (v.default === undefined) continue;
      const row = rows.find((r) => r.first.includes(v.name));
      expect(row?.defaultCell, v.name).toContain(`\`${v.default}\``);
      // An empty environment and one that spells out the default read the same.
      expect(loadConfig({ [v.name]: v.default }), v.name).toEqual(loadConfig({}));
    }
  });

  it('marks the keys, passwords and secrets as secret', () => {
    expect([...SECRET_VARIABLES].sort()).toEqual(['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'NARRATE_API_KEY', 'NARRATE_DASHBOARD_PASSWORD', 'NARRATE_REDIS_PASSWORD', 'NARRATE_WEBHOOK_SECRET']);
  });
});
