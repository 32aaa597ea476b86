/**
 * A provider's rate limit with the clock sped up. Real providers (and the fake's `rpm`) count
 * requests over a sliding minute, so a test shorter than a minute can never exceed one. This proxy
 * sits in front of the fake and enforces the same budget over a shorter sliding window:
 * `rpm * windowMs / 60000` requests per `windowMs`, answering the rest with the provider's 429
 * (Retry-After, retry-after-ms, the same error body). A client that spreads `rpm` requests evenly
 * over a minute passes it; one that bursts does not.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedCall {
  at: number;
  status: number;
  /** 'rate-limited' when the proxy answered 429 itself, 'forwarded' otherwise. */
  outcome: 'rate-limited' | 'forwarded' | 'error';
}

export interface RateLimitProxy {
  /** Base URL including /v1, to use as NARRATE_BASE_URL. */
  url: string;
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  calls: ProxiedCall[];
  /** How many requests the proxy answered with 429. */
  rateLimited(): number;
  /** Most requests admitted within any `windowMs` span, as the proxy saw them. */
  busiestWindow(): number;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 in front of `targetUrl` (the fake's url, ending in /v1). */
export async function startRateLimitProxy(targetUrl: string, options: { rpm: number; windowMs: number }): Promise<RateLimitProxy> {
  const target = new URL(targetUrl);
  const limit = Math.floor((options.rpm * options.windowMs) / 60_000);
  if (limit < 1) throw new Error(`rate-limit-proxy: rpm ${options.rpm} over ${options.windowMs} ms allows no request at all`);
  const calls: ProxiedCall[] = [];
  const admitted: number[] = [];

  const server = createServer((req, res) => {
    res.on('error', () => {});
    void (async () => {
      const body = await readBody(req);
      const now = Date.now();
      // A provider's requests-per-minute limit is on model calls: a GET /models look-up passes uncounted.
      const counted = req.method !== 'GET';
      while (admitted.length > 0 && admitted[0]! <= now - options.windowMs) admitted.shift();
      if (counted && admitted.length >= limit) {
        const retryMs = Math.max(1, admitted[0]! + options.windowMs - now);
        calls.push({ at: now, status: 429, outcome: 'rate-limited' });
        const payload = JSON.stringify({
          error: { message: `Rate limit reached for requests: Limit ${options.rpm}, Used ${options.rpm}, Requested 1.`, type: 'requests', param: null, code: 'rate_limit_exceeded' },
        });
        res.writeHead(429, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          'retry-after': String(Math.ceil(retryMs / 1000)),
          'retry-after-ms': String(Math.ceil(retryMs)),
        });
        res.end(payload);
        return;
      }
      const call: ProxiedCall = { at: now, status: 0, outcome: 'forwarded' };
      if (counted) {
        admitted.push(now);
        calls.push(call);
      }
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      delete headers.connection;
      // No agent: one connection per request, closed afterwards, so nothing lingers after close().
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false },
        (answer) => {
          void readBody(answer).then((bytes) => {
            call.status = answer.statusCode ?? 502;
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(answer.headers)) {
              if (v === undefined || k === 'connection' || k === 'transfer-encoding' || k === 'keep-alive') continue;
              out[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            out['content-length'] = String(bytes.length);
            if (!res.headersSent && !res.destroyed) {
              res.writeHead(call.status, out);
              res.end(bytes);
            }
          });
        },
      );
      upstream.on('error', (error) => {
        call.outcome = 'error';
        call.status = 502;
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${error.message}`);
        }
      });
      upstream.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}${target.pathname.replace(/\/+$/, '')}`,
    limit,
    windowMs: options.windowMs,
    calls,
    rateLimited: () => calls.filter((c) => c.outcome === 'rate-limited').length,
    busiestWindow() {
      const times = calls.filter((c) => c.outcome !== 'rate-limited').map((c) => c.at);
      let best = 0;
      for (let i = 0, j = 0; j < times.length; j++) {
        while (times[j]! - times[i]! >= options.windowMs) i++;
        best = Math.max(best, j - i + 1);
      }
      return best;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', () => resolve(Buffer.concat(chunks)));
  });
}
