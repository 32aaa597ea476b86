/**
 * A real S3-protocol server on loopback for tests and the bench: s3rver (files in a temp dir)
 * behind a small HTTP proxy of ours that adds what s3rver lacks and what tests need to see:
 * - it honours `If-None-Match: *` on PUT (412 PreconditionFailed when the key was already written
 *   through it) and `If-Match: <etag>` (412 unless the object's ETag, asked of s3rver, is that one),
 *   as S3 does since 2024 and s3rver does not; or, switched off, answers any conditional write 501
 *   NotImplemented, as a server without conditional writes does;
 * - it answers the next N requests (of one method, or any) with an injected fault (503 SlowDown by default);
 * - it counts requests by method, and the connections clients opened (GET /__stats answers
 *   `{ requests, connections }` as JSON, uncounted: for a server in another process, see
 *   s3-server-cli.ts; no bucket can be named `__stats`).
 * Both listen on ports the OS picks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';

export interface S3TestServer {
  /** The endpoint to give AWS_ENDPOINT_URL_S3 (the proxy). */
  url: string;
  /** The environment a narrate process needs to use it (path-style, s3rver's fixed key). */
  env: Record<string, string>;
  /** Requests seen by the proxy, by method (HEAD, GET, PUT, POST, DELETE). */
  requests: Record<string, number>;
  /** Connections clients opened to the proxy (fewer than requests when they are kept alive). */
  readonly connections: number;
  /** Responses the proxy answered itself with 412 because the key was already there. */
  preconditionFailures: number;
  /** Answers the next `count` requests (of `method` only, when given) with `status`/`code` instead of forwarding them. */
  failNext(count: number, status?: number, code?: string, method?: string): void;
  /** Whether conditional writes are honoured (default) or answered 501 NotImplemented. */
  conditionalWrites: boolean;
  /** Objects written through the proxy (bucket/key paths). */
  written: Set<string>;
  close(): Promise<void>;
}

/** s3rver's one account. */
export const S3RVER_KEY = 'S3RVER';

/** Starts s3rver (its objects in a new temp dir under `options.parent`, default the OS temp dir) and the proxy in front of it. */
export async function startS3Server(buckets: string[], options: { parent?: string } = {}): Promise<S3TestServer> {
  const dir = await mkdtemp(join(options.parent ?? tmpdir(), 'narrate-s3rver-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  const upstream = (await s3rver.run()) as AddressInfo;
  const requests: Record<string, number> = {};
  const written = new Set<string>();
  let faults: { count: number; status: number; code: string; method: string | undefined } = { count: 0, status: 503, code: 'SlowDown', method: undefined };
  const state = { preconditionFailures: 0, conditionalWrites: true, connections: 0 };
  const answer = (req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  };
  /** The object's ETag as s3rver has it (an unsigned HEAD: s3rver lets anonymous requests through), or undefined when there is none. */
  const etagOf = (rawPath: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      const head = request({ host: '127.0.0.1', port: upstream.port, method: 'HEAD', path: rawPath }, (up) => {
        up.resume();
        resolve(up.statusCode === 200 ? String(up.headers.etag) : undefined);
      });
      head.on('error', reject);
      head.end();
    });

  const proxy: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((error: unknown) => res.destroy(error as Error));
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    if (method === 'GET' && req.url === '/__stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ requests, connections: state.connections }));
      return;
    }
    requests[method] = (requests[method] ?? 0) + 1;
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
    if (faults.count > 0 && (faults.method === undefined || faults.method === method)) {
      faults.count--;
      answer(req, res, faults.status, faults.code, 'Injected by the test proxy');
      return;
    }
    // A plain PUT of an object (not a part of a multipart upload) or a multipart completion.
    const isObjectWrite = (method === 'PUT' && !/[?&]partNumber=/.test(query) && req.headers['x-amz-copy-source'] === undefined) || (method === 'POST' && /[?&]uploadId=/.test(query));
    const ifNoneMatch = isObjectWrite ? req.headers['if-none-match'] : undefined;
    const ifMatch = isObjectWrite ? req.headers['if-match'] : undefined;
    if ((ifNoneMatch !== undefined || ifMatch !== undefined) && !state.conditionalWrites) {
      answer(req, res, 501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');
      return;
    }
    if ((ifNoneMatch === '*' && written.has(path)) || (ifMatch !== undefined && ifMatch !== (await etagOf((req.url ?? '/').split('?')[0] ?? '/')))) {
      state.preconditionFailures++;
      answer(req, res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      return;
    }
    // Claimed before it is forwarded: of two racing conditional writes, the second gets 412, as on S3.
    if (isObjectWrite && !(method === 'PUT' && /[?&]uploads/.test(query))) written.add(path);
    if (method === 'DELETE' && query === '') written.delete(path);
    const forward = request(
      { host: '127.0.0.1', port: upstream.port, method, path: req.url, headers: req.headers },
      (up) => {
        if (isObjectWrite && (up.statusCode ?? 500) >= 300) written.delete(path);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', (error) => {
      if (isObjectWrite) written.delete(path);
      res.destroy(error);
    });
    req.pipe(forward);
  };
  proxy.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    url,
    env: { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: url, NARRATE_S3_PATH_STYLE: 'true' },
    requests,
    get preconditionFailures() {
      return state.preconditionFailures;
    },
    get connections() {
      return state.connections;
    },
    failNext(count, status = 503, code = 'SlowDown', method) {
      faults = { count, status, code, method };
    },
    get conditionalWrites() {
      return state.conditionalWrites;
    },
    set conditionalWrites(on: boolean) {
      state.conditionalWrites = on;
    },
    written,
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await new Promise<void>((resolve) => s3rver.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
