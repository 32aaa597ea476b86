import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { coerceError } from '../errors.js';
import { redactUrl } from './notify-url.js';
import { refusedAddressKind } from './refused-address.js';
import { WebhookError } from './webhook-error.js';

/** Every address a host name resolves to (dns.lookup with `all`); tests pass their own to play a DNS server. */
export type LookupAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** The address a webhook is posted to: checked, and the only one its connection may use. */
export interface WebhookTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** The system resolver, every answer, in its own order. */
export const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Resolves a webhook URL's host and checks every address it resolves to: loopback, link-local,
 * private, CGNAT, unspecified, multicast and reserved addresses (their IPv4-mapped forms too) are
 * refused unless `allowPrivate`. The post then connects to the returned address and no other, so a
 * DNS answer that changes after this check cannot steer it somewhere private (DNS rebinding).
 * Throws a WebhookError: `refused` (never retried) or `unresolved`.
 */
export async function resolveWebhookTarget(url: URL, options: { allowPrivate: boolean; lookup?: LookupAll }): Promise<WebhookTarget> {
  const where = redactUrl(url.href);
  if (url.username !== '' || url.password !== '') {
    const detail = 'a user or password in the URL';
    throw new WebhookError(`webhook ${where} refused: ${detail}`, { failure: 'refused', host: url.host, detail });
  }
  // The URL parser already wrote every IPv4 spelling (0, 0x7f.1, 2130706433) as a dotted quad, and IPv6 in brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let answers: Array<{ address: string; family: number }>;
  if (isIP(host) !== 0) {
    answers = [{ address: host, family: isIP(host) }];
  } else {
    try {
      answers = await (options.lookup ?? systemLookup)(host);
    } catch (thrown) {
      const error = coerceError(thrown);
      const code = (error as NodeJS.ErrnoException).code;
      const detail = `${host} does not resolve (${code ?? error.message})`;
      throw new WebhookError(`webhook ${where}: ${detail}`, { failure: 'unresolved', host: url.host, detail, cause: error });
    }
    if (answers.length === 0) {
      const detail = `${host} resolves to no address`;
      throw new WebhookError(`webhook ${where}: ${detail}`, { failure: 'unresolved', host: url.host, detail });
    }
  }
  if (!options.allowPrivate) {
    // Every answer is checked, not just the first: a resolver may rotate them between connections.
    for (const { address } of answers) {
      const kind = refusedAddressKind(address);
      if (kind === undefined) continue;
      const resolves = address === host ? '' : `${host} resolves to `;
      const detail = `${resolves}${address} (${kind}); NARRATE_WEBHOOK_ALLOW_PRIVATE=true allows it`;
      throw new WebhookError(`webhook ${where} refused: ${detail}`, { failure: 'refused', host: url.host, detail });
    }
  }
  const first = answers[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
