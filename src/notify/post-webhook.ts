import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { coerceError } from '../errors.js';
import { redactUrl } from './notify-url.js';
import type { WebhookTarget } from './resolve-webhook-target.js';
import { WebhookError } from './webhook-error.js';

/**
 * POSTs `body` to a checked webhook target and answers the receiver's status. The connection goes
 * to `target.address` only (the Host header, TLS server name and certificate check still use the
 * URL's host), so no second DNS answer is ever used. Redirects are not followed: node:http never
 * does, and a 3xx comes back as the status it is. The response body is not read.
 */
export function postWebhook(target: WebhookTarget, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const { url } = target;
  const https = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: RequestOptions & { servername?: string } = {
    method: 'POST',
    host: target.address,
    family: target.family,
    port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers: { ...headers, host: url.host, 'content-length': String(Buffer.byteLength(body)) },
    // A connection of its own: a pooled socket is keyed by address, and a delivery is rare.
    agent: false,
    signal: AbortSignal.timeout(timeoutMs),
  };
  // SNI takes names only; for an IP literal the certificate is checked against the address itself.
  if (https && isIP(hostname) === 0) options.servername = hostname;
  const where = redactUrl(url.href);
  return new Promise<number>((resolve, reject) => {
    const request = (https ? httpsRequest : httpRequest)(options, (response) => {
      resolve(response.statusCode ?? 0);
      response.destroy();
    });
    request.on('error', (thrown) => {
      const error = coerceError(thrown);
      const cause = error.name === 'AbortError' || error.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : ((error as NodeJS.ErrnoException).code ?? error.message);
      reject(new WebhookError(`webhook ${where} unreachable: ${cause}`, { failure: 'unreachable', host: url.host, detail: cause, cause: error }));
    });
    request.end(body);
  });
}
