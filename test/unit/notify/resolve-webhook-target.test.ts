/**
 * Where a webhook may be posted: the address check (every private, loopback, link-local and
 * unspecified form, IPv4-mapped ones too), the host's DNS answers, credentials in the URL, and the
 * environment variables that name a webhook.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { refusedAddressKind } from '../../../src/notify/refused-address.js';
import { resolveWebhookTarget, systemLookup, type LookupAll } from '../../../src/notify/resolve-webhook-target.js';
import { WebhookError } from '../../../src/notify/webhook-error.js';

/** A DNS server of our own: each name answers what the table says, anything else ENOTFOUND. */
function dns(table: Record<string, string[]>): LookupAll & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (hostname: string) => {
    asked.push(hostname);
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

async function refusal(url: string, lookup: LookupAll = dns({})): Promise<WebhookError> {
  const error = await resolveWebhookTarget(new URL(url), { allowPrivate: false, lookup }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, url).toBeInstanceOf(WebhookError);
  return error as WebhookError;
}

describe('the addresses a webhook may not reach', () => {
  it('refuses loopback, link-local, private, CGNAT, unspecified and their IPv6 spellings', () => {
    const refused: Array<[string, RegExp]> = [
      ['127.0.0.1', /loopback/],
      ['127.255.0.9', /loopback/],
      ['169.254.169.254', /link-local/],
      ['10.0.0.5', /private, RFC 1918/],
      ['172.16.0.1', /private, RFC 1918/],
      ['172.31.255.255', /private, RFC 1918/],
      ['192.168.1.1', /private, RFC 1918/],
      ['100.64.0.1', /carrier-grade NAT/],
      ['100.127.255.254', /carrier-grade NAT/],
      ['0.0.0.0', /unspecified/],
      ['0.1.2.3', /unspecified/],
      ['255.255.255.255', /broadcast/],
      ['224.0.0.251', /multicast/],
      ['192.0.2.10', /reserved/],
      ['::', /unspecified/],
      ['::1', /loopback/],
      ['fe80::1', /link-local/],
      ['fe80::1%eth0', /link-local/],
      ['fc00::1', /private, fc00::\/7/],
      ['fd12:3456::1', /private, fc00::\/7/],
      ['fec0::1', /site-local/],
      ['ff02::1', /multicast/],
      ['::ffff:127.0.0.1', /loopback, as IPv4-mapped/],
      ['::ffff:7f00:1', /loopback, as IPv4-mapped/],
      ['::ffff:169.254.169.254', /link-local, as IPv4-mapped/],
      ['::ffff:10.1.1.1', /private, RFC 1918, as IPv4-mapped/],
      ['::ffff:0.0.0.0', /unspecified, as IPv4-mapped/],
      ['::127.0.0.1', /IPv4-compatible/],
      ['::7f00:1', /IPv4-compatible/],
      ['64:ff9b::a9fe:a9fe', /link-local, as embedded/],
      ['64:ff9b:1::1', /NAT64 for local use/],
      ['2002:c0a8:101::1', /private, RFC 1918, as embedded/],
      ['not-an-ip', /not an IP address/],
    ];
    for (const [address, kind] of refused) expect(refusedAddressKind(address), address).toMatch(kind);
  });

  it('lets public unicast addresses through, in IPv4, IPv6 and their mapped forms', () => {
    for (const address of ['8.8.8.8', '93.184.215.14', '172.32.0.1', '100.128.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1']) {
      expect(refusedAddressKind(address), address).toBeUndefined();
    }
  });
});

describe('resolveWebhookTarget', () => {
  it('refuses every spelling of a private address the URL parser accepts, before any DNS', async () => {
    const lookup = dns({});
    const cases: Array<[string, RegExp]> = [
      ['http://0/', /0\.0\.0\.0 \(unspecified\)/],
      ['http://0.0.0.0:8080/x', /0\.0\.0\.0 \(unspecified\)/],
      ['http://[::]/', /:: \(unspecified\)/],
      ['http://2130706433/hook', /127\.0\.0\.1 \(loopback\)/],
      ['http://0x7f.1/hook', /127\.0\.0\.1 \(loopback\)/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 \(link-local\)/],
      ['http://[::ffff:127.0.0.1]:9/hook', /::ffff:7f00:1 \(loopback, as IPv4-mapped IPv6\)/],
      ['https://[fd00::1]/hook', /fd00::1 \(private, fc00::\/7\)/],
      ['http://100.64.1.2/', /carrier-grade NAT/],
    ];
    for (const [url, detail] of cases) {
      const error = await refusal(url, lookup);
      expect(error.failure, url).toBe('refused');
      expect(error.retryable, url).toBe(false);
      expect(error.detail, url).toMatch(detail);
      expect(error.message, url).toContain('NARRATE_WEBHOOK_ALLOW_PRIVATE=true');
    }
    expect(lookup.asked).toEqual([]);
  });

  it('refuses a host name when any of its addresses is private, and names the host and the address', async () => {
    const lookup = dns({
      'internal.example': ['10.0.0.7'],
      'mixed.example': ['93.184.215.14', '127.0.0.1'],
      'mapped.example': ['::ffff:169.254.169.254'],
    });
    expect((await refusal('https://internal.example/hook?token=abc', lookup)).message).toBe(
      'webhook https://internal.example/hook refused: internal.example resolves to 10.0.0.7 (private, RFC 1918); NARRATE_WEBHOOK_ALLOW_PRIVATE=true allows it',
    );
    expect((await refusal('https://mixed.example/hook', lookup)).detail).toMatch(/^mixed\.example resolves to 127\.0\.0\.1 \(loopback\)/);
    expect((await refusal('https://mapped.example/hook', lookup)).detail).toMatch(/169\.254\.169\.254 \(link-local, as IPv4-mapped IPv6\)/);
  });

  it('refuses localhost through the system resolver', async () => {
    const error = await refusal('http://localhost:8080/hook', systemLookup);
    expect(error.detail).toMatch(/^localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/);
  });

  it('refuses user:password@ whatever the address, without repeating them', async () => {
    const error = await refusal('https://user:hunter2@hooks.example/x?token=abc', dns({ 'hooks.example': ['93.184.215.14'] }));
    expect(error.failure).toBe('refused');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('token=abc');
  });

  it('answers the first checked address of a public host, and any address with allowPrivate', async () => {
    const lookup = dns({ 'hooks.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'], 'box.lan': ['192.168.1.20'] });
    expect(await resolveWebhookTarget(new URL('https://hooks.example/x'), { allowPrivate: false, lookup })).toMatchObject({ address: '93.184.215.14', family: 4 });
    expect(await resolveWebhookTarget(new URL('http://box.lan:8080/x'), { allowPrivate: true, lookup })).toMatchObject({ address: '192.168.1.20', family: 4 });
    expect(await resolveWebhookTarget(new URL('http://[::1]:9/x'), { allowPrivate: true, lookup })).toMatchObject({ address: '::1', family: 6 });
  });

  it('says a host that does not resolve is unresolved (retried), not refused', async () => {
    const error = await resolveWebhookTarget(new URL('https://nowhere.example/x'), { allowPrivate: false, lookup: dns({}) }).catch((e: unknown) => e as WebhookError);
    expect(error).toBeInstanceOf(WebhookError);
    expect(error).toMatchObject({ failure: 'unresolved', retryable: true, detail: 'nowhere.example does not resolve (ENOTFOUND)' });
  });
});

describe('the webhook environment', () => {
  it('reads NARRATE_WEBHOOK_ALLOW_PRIVATE as a boolean, false by default', () => {
    expect(loadConfig({}).webhookAllowPrivate).toBe(false);
    expect(loadConfig({ NARRATE_WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate).toBe(true);
    expect(loadConfig({ NARRATE_WEBHOOK_ALLOW_PRIVATE: '0' }).webhookAllowPrivate).toBe(false);
    expect(() => loadConfig({ NARRATE_WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow('NARRATE_WEBHOOK_ALLOW_PRIVATE: expected true or false, got "yes"');
  });

  it('refuses a NARRATE_WEBHOOK_URL with user:password@, naming it without them or its query', () => {
    let error: unknown;
    try {
      loadConfig({ NARRATE_WEBHOOK_URL: 'https://ops:hunter2@hooks.example/x?token=abc' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('NARRATE_WEBHOOK_URL: expected a URL without user:password@');
    expect(message).toContain('got "https://hooks.example/x"');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('token=abc');
    expect(() => loadConfig({ NARRATE_WEBHOOK_URL: 'ftp://hooks.example/x?token=abc' })).toThrow(/NARRATE_WEBHOOK_URL: expected an http\(s\) URL, got "ftp:\/\/hooks\.example\/x"$/);
  });
});
