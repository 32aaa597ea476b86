import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** A response whose body is a Node stream: read it once, or hand it on as a fetch Response. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Headers;
  /** The body, already decompressed when the server compressed it. */
  body: Readable;
}

/**
 * HTTP(S) requests for the openai SDK's `fetch` option, on node:http with keep-alive agents.
 *
 * Why not the global fetch: undici's fetch passes every piece of a response through WHATWG
 * streams, and a chunk's answer is megabytes of base64. A 428 KB answer from the fake model took
 * 1.5 ms of CPU on fetch against 0.8 ms here (`npx tsx bench/transport-cost.ts`, client and fake
 * together). The SDK itself is unchanged: it builds the request, reads errors and retries nothing
 * (BullMQ does).
 *
 * Supports what the SDK sends for chat completions: a string or byte body, any method and
 * headers, an AbortSignal (its timeout). Asks for gzip/deflate/br as fetch does, and decodes it.
 */
export class HttpTransport {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });

  async request(input: string | URL | Request, init: RequestInit = {}): Promise<HttpResponse> {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('HttpTransport takes a URL and RequestInit, not a Request');
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported URL scheme ${url.protocol} (expected http: or https:)`);
    const body = requestBody(init.body);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    if (body !== undefined) headers['content-length'] = String(body.length);
    const signal = init.signal ?? undefined;
    const secure = url.protocol === 'https:';

    return new Promise<HttpResponse>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const req = (secure ? httpsRequest : httpRequest)(url, { method: init.method ?? 'GET', headers, agent: secure ? this.https : this.http });
      let stream: Readable | undefined;
      const onAbort = () => {
        const reason = abortReason(signal!);
        // Before the answer: the promise fails. After: whoever reads the body gets the error.
        req.destroy(reason);
        stream?.destroy(reason);
        reject(reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      req.once('error', (error) => {
        done();
        reject(error);
      });
      req.once('response', (res: IncomingMessage) => {
        stream = decoded(res);
        stream.once('close', done);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: responseHeaders(res), body: stream });
      });
      req.end(body);
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** A fetch Response for the SDK (errors, non-JSON answers): the body streamed through as is. */
export function toFetchResponse(res: HttpResponse, body: ConstructorParameters<typeof Response>[0] = Readable.toWeb(res.body) as ReadableStream<Uint8Array>): Response {
  const headers = new Headers(res.headers);
  // The body is decoded already; its encoded length would be a lie.
  headers.delete('content-encoding');
  headers.delete('content-length');
  // A status without a body (204, 304) must not be given one.
  const empty = res.status === 204 || res.status === 205 || res.status === 304;
  if (empty) res.body.resume();
  return new Response(empty ? null : body, { status: res.status, statusText: res.statusText, headers });
}

function requestBody(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError(`HttpTransport sends string or byte bodies, not ${Object.prototype.toString.call(body)}`);
}

function responseHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

function decoded(res: IncomingMessage): Readable {
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (!decoder) return res;
  res.once('error', (error) => decoder.destroy(error));
  return res.pipe(decoder);
}

/** What fetch rejects with on abort: the signal's reason, else an AbortError (the SDK tells time-outs by its name). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}
