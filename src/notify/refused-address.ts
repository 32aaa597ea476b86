import ipaddr from 'ipaddr.js';

/** Words for ipaddr.js's range names, as a refusal says them. */
const KINDS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT, 100.64.0.0/10',
  private: 'private, RFC 1918',
  uniqueLocal: 'private, fc00::/7',
  deprecatedSiteLocal: 'site-local, fec0::/10',
  reserved: 'reserved',
  benchmarking: 'benchmarking',
  discard: 'discard-only',
  teredo: 'a Teredo tunnel',
  rfc6052: 'NAT64 for local use, 64:ff9b:1::/48',
};

/**
 * Why a webhook may not be posted to `address` (an IPv4 or IPv6 literal): its kind ("loopback",
 * "link-local", "private, RFC 1918"...), or undefined for a public unicast address. IPv6 forms that
 * carry an IPv4 address (mapped ::ffff:a.b.c.d, translated, NAT64 64:ff9b::/96, 6to4) are judged by
 * that IPv4 address, so ::ffff:127.0.0.1 is loopback like 127.0.0.1.
 */
export function refusedAddressKind(address: string): string | undefined {
  const canonical = canonicalAddress(address);
  if (canonical === undefined) return 'not an IP address';
  const ip = ipaddr.parse(canonical);
  if (ip.kind() === 'ipv4') return kindOf(ip.range());
  const v6 = ip as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded !== undefined) {
    const inner = refusedAddressKind(embedded);
    return inner === undefined ? undefined : `${inner}, as ${v6.range() === 'ipv4Mapped' ? 'IPv4-mapped' : 'embedded in'} IPv6`;
  }
  const parts = v6.parts;
  // ::a.b.c.d, the deprecated IPv4-compatible form, and the rest of ::/96: no public host lives there.
  if (parts.slice(0, 6).every((p) => p === 0) && v6.range() === 'unicast') return 'IPv4-compatible, deprecated';
  return kindOf(v6.range());
}

/**
 * The address as the URL parser writes it, zone id dropped: ipaddr.js reads "::a.b.c.d" (the
 * IPv4-compatible form, which getaddrinfo prints that way) as IPv4-mapped, the URL parser does not.
 */
function canonicalAddress(address: string): string | undefined {
  const bare = address.replace(/%.*$/s, '');
  if (!bare.includes(':')) return ipaddr.IPv4.isValidFourPartDecimal(bare) ? bare : undefined;
  try {
    const host = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
    return ipaddr.IPv6.isValid(host) ? host : undefined;
  } catch {
    return undefined;
  }
}

function kindOf(range: string): string | undefined {
  if (range === 'unicast') return undefined;
  return KINDS[range] ?? range;
}

/** The IPv4 address an IPv6 address stands for, when its range embeds one in a known place. */
function embeddedIPv4(ip: ipaddr.IPv6): string | undefined {
  const p = ip.parts;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  switch (ip.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
      return v4(p[6]!, p[7]!);
    case 'rfc6052':
      // Only the well-known NAT64 prefix 64:ff9b::/96 is a public IPv4 host reached through a
      // translator; 64:ff9b:1::/48 is for local use, refused below as it stands.
      return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 ? v4(p[6]!, p[7]!) : undefined;
    case '6to4': // 2002:aabb:ccdd::/48
      return v4(p[1]!, p[2]!);
    default:
      return undefined;
  }
}
