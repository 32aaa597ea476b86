import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { coerceError } from '../errors.js';

/** One part of a worker's health: a name and a check that throws (with the reason) when it fails. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

/** What /healthz answers: 200 with every check "ok", or 503 naming what failed. */
export interface HealthReport {
  ok: boolean;
  checks: Record<string, string>;
}

/** Runs every check at once, each bounded by `timeoutMs` (a hung Redis must not hang the probe). */
export async function runHealthChecks(checks: readonly HealthCheck[], timeoutMs = 2_000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([c.check(), late]);
        return [c.name, 'ok'] as const;
      } catch (error) {
        return [c.name, coerceError(error).message] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) };
}

/** A running /healthz + /metrics server. */
export interface MetricsServer {
  /** http://host:port with the real port. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Serves GET /healthz (200 or 503, a JSON body naming each check) and GET /metrics (Prometheus
 * text from `registry`) on `host:port`. Plain node:http: a probe must not depend on much.
 */
export async function startMetricsServer(options: { host: string; port: number; registry: Registry; health: () => Promise<HealthReport> }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path === '/healthz') {
      void options.health().then(
        (report) => reply(report.ok ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`),
        (error: unknown) => reply(503, 'application/json', `${JSON.stringify({ ok: false, error: coerceError(error).message })}\n`),
      );
      return;
    }
    if (path === '/metrics') {
      void options.registry.metrics().then(
        (text) => reply(200, options.registry.contentType, text),
        (error: unknown) => reply(500, 'text/plain', `metrics failed: ${coerceError(error).message}\n`),
      );
      return;
    }
    reply(404, 'text/plain', 'not found: try /healthz or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
