/**
 * Docker is not run here, so the deploy files are checked by reading them: every variable they set
 * is one narrate reads, their values pass loadConfig, and ports, flags, probes and grace periods
 * agree with the code and with each other.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ENV_VARIABLES, loadConfig } from '../../src/config.js';
import { SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';

const root = join(import.meta.dirname, '../..');
const read = (path: string) => readFile(join(root, path), 'utf8');
const known = new Set(ENV_VARIABLES);
const unknown = (names: Iterable<string>) => [...names].filter((n) => !known.has(n));

type Env = Record<string, string | null>;
interface ComposeService {
  command?: string[];
  entrypoint?: string[];
  environment?: Env;
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
}

async function dockerfile(): Promise<{ metricsPort: number; exposed: number[]; user: string }> {
  const text = await read('Dockerfile');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  return {
    metricsPort: Number(/NARRATE_METRICS_PORT=(\d+)/.exec(runtime)?.[1]),
    exposed: [...runtime.matchAll(/^EXPOSE\s+(\d+)/gm)].map((m) => Number(m[1])),
    user: /^USER\s+(\S+)/m.exec(runtime)?.[1] ?? 'root',
  };
}

describe('Dockerfile', () => {
  it('runs as non-root and exposes the metrics port it sets', async () => {
    const d = await dockerfile();
    expect(d.user).not.toBe('root');
    expect(d.metricsPort).toBeGreaterThan(0);
    expect(d.exposed).toContain(d.metricsPort);
    expect(await read('Dockerfile')).toMatch(/apt-get install[^\n]*ffmpeg/);
  });
});

describe('docker-compose.yml', () => {
  it('sets only variables narrate reads, with values it accepts', async () => {
    const compose = parse(await read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
    const narrate = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'worker' || s.command?.[0] === 'dashboard' || s.entrypoint?.includes('/app/bin/narrate.js'));
    expect(narrate.map(([name]) => name).sort()).toEqual(['dashboard', 'submit', 'worker']);
    for (const [name, service] of narrate) {
      const env = service.environment ?? {};
      expect(unknown(Object.keys(env)), `${name}: variables narrate does not read`).toEqual([]);
      // ${VAR:-default} as Compose would fill it with nothing set in .env; required ones get a
      // stand-in. An empty result is passed on as Compose does (set, to ""): narrate rejects that
      // for most variables, so a bare key is the way to pass one through only when it is set.
      const filled: Record<string, string> = {};
      for (const [key, value] of Object.entries(env)) {
        if (value === null) continue;
        filled[key] = value.replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, _v: string, fallback: string | undefined) => fallback ?? 'stand-in-secret');
      }
      expect(() => loadConfig(filled), name).not.toThrow();
    }
  });

  it('passes every variable narrate reads through to its containers, except those it decides itself', async () => {
    const compose = parse(await read('docker-compose.yml'), { merge: true }) as { 'x-narrate-env': Env };
    const shared = compose['x-narrate-env'];
    // Each with the reason it is not in the shared settings (the file's own comment says the same).
    const decided: Record<string, string> = {
      NARRATE_METRICS_PORT: 'set in the image; the healthcheck probes it',
      NARRATE_METRICS_HOST: 'the default 0.0.0.0 is what the healthcheck and a Prometheus on the network need',
      NARRATE_STORE_DIR: 'segments are in the bucket; a directory needs a shared volume',
      NARRATE_REDIS_CLUSTER: 'one Redis here',
      NARRATE_REDIS_SENTINELS: 'one Redis here',
      NARRATE_REDIS_SENTINEL_NAME: 'one Redis here',
      NARRATE_REDIS_PASSWORD: 'one Redis here (a password goes in REDIS_URL)',
      AWS_DEFAULT_REGION: 'AWS_REGION is set',
      AWS_ENDPOINT_URL: 'AWS_ENDPOINT_URL_S3 is set',
      NARRATE_DASHBOARD_USER: 'set on the dashboard service',
      NARRATE_DASHBOARD_PASSWORD: 'set on the dashboard service',
      NARRATE_DASHBOARD_ORIGIN: 'passed to the dashboard service',
      NARRATE_DASHBOARD_READ_ONLY: 'passed to the dashboard service',
      NARRATE_DASHBOARD_MAX_STREAMS: 'passed to the dashboard service',
      NARRATE_DASHBOARD_SERVE: 'the books are in the bucket, which the dashboard does not play',
    };
    expect(unknown(Object.keys(decided))).toEqual([]);
    expect(ENV_VARIABLES.filter((n) => !(n in shared) && !(n in decided)), 'variables a fleet member would never see').toEqual([]);
    expect(Object.keys(decided).filter((n) => n in shared), 'both passed and said not to be').toEqual([]);
    const dashboard = (parse(await read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> }).services.dashboard!.environment ?? {};
    const onDashboard = Object.keys(decided).filter((n) => / the dashboard service$/.test(decided[n]!));
    expect(onDashboard.filter((n) => !(n in dashboard)), 'said to be on the dashboard service, and not there').toEqual([]);
  });

  it('gives a worker more time to stop than its drain, and probes the health port the image serves', async () => {
    const compose = parse(await read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
    const worker = compose.services.worker!;
    const grace = Number(/^(\d+)s$/.exec(worker.stop_grace_period ?? '')?.[1]) * 1000;
    expect(grace).toBeGreaterThan(loadConfig({}).shutdownTimeoutMs);
    const { metricsPort } = await dockerfile();
    expect(worker.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${metricsPort}/healthz`);
  });
});

describe('docs/k8s', () => {
  async function docs() {
    const worker = parseAllDocuments(await read('docs/k8s/worker.yaml')).map((d) => d.toJS() as Record<string, any>);
    const keda = parse(await read('docs/k8s/keda-scaledobject.yaml')) as Record<string, any>;
    const configMap = worker.find((d) => d.kind === 'ConfigMap')!;
    const deployment = worker.find((d) => d.kind === 'Deployment')!;
    return { configMap, deployment, keda, text: await read('docs/k8s/worker.yaml') };
  }

  it('sets only variables narrate reads (ConfigMap and the Secret it documents), with values it accepts', async () => {
    const { configMap, text } = await docs();
    const data = configMap.data as Record<string, string>;
    expect(unknown(Object.keys(data))).toEqual([]);
    const secretKeys = [...text.matchAll(/--from-literal=(\w+)=/g)].map((m) => m[1]!);
    expect(secretKeys.length).toBeGreaterThan(0);
    expect(unknown(secretKeys)).toEqual([]);
    const env = { ...data, ...Object.fromEntries(secretKeys.map((k) => [k, 'stand-in-secret'])) };
    const config = loadConfig(env);
    expect(config.redis.kind).toBe('sentinel');
  });

  it('probes /healthz on the port the worker is told to serve, and outlasts the drain', async () => {
    const { configMap, deployment } = await docs();
    const spec = deployment.spec.template.spec;
    const container = spec.containers[0];
    expect(container.args.slice(0, 1)).toEqual(['worker']);
    const flagPort = Number(container.args[container.args.indexOf('--metrics-port') + 1]);
    const port = container.ports.find((p: { name: string }) => p.name === 'metrics').containerPort;
    expect(flagPort).toBe(port);
    expect(Number(configMap.data.NARRATE_METRICS_PORT)).toBe(port);
    expect((await dockerfile()).exposed).toContain(port);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    }
    expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(loadConfig(configMap.data).shutdownTimeoutMs);
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(port));
  });

  it('scales on the wait list of the synthesize queue, through the same sentinels', async () => {
    const { configMap, deployment, keda } = await docs();
    expect(keda.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    const trigger = keda.spec.triggers[0];
    const config = loadConfig(configMap.data);
    expect(trigger.metadata.listName).toBe(`${bullPrefix(config.prefix)}:${SYNTHESIZE_QUEUE}:wait`);
    expect(trigger.type).toBe('redis-sentinel');
    expect(trigger.metadata.addresses).toBe(configMap.data.NARRATE_REDIS_SENTINELS);
    expect(trigger.metadata.sentinelMaster).toBe(configMap.data.NARRATE_REDIS_SENTINEL_NAME);
    expect(known.has(trigger.metadata.passwordFromEnv)).toBe(true);
  });

  it('never scales to zero on a list length: delayed jobs and the other queues would be stranded', async () => {
    const { keda } = await docs();
    // A list-length trigger sees only ready jobs of one queue. Chunks in backoff, after a 429 or
    // over the daily budget are delayed (a sorted set), and only a running worker promotes them;
    // encode, finalize, enqueue and notify jobs are in other queues. KEDA's default minimum is 0.
    const listTriggers = (keda.spec.triggers as { type: string; metadata: Record<string, string> }[]).filter((t) => t.metadata.listName !== undefined);
    expect(listTriggers.length).toBeGreaterThan(0);
    expect(keda.spec.minReplicaCount ?? 0, 'minReplicaCount').toBeGreaterThanOrEqual(1);
    // idleReplicaCount (only 0 works) would scale to zero whenever the triggers are inactive.
    expect(keda.spec.idleReplicaCount, 'idleReplicaCount').toBeUndefined();
  });
});
