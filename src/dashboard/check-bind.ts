import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../errors.js';

// Loopback only: 127.0.0.0/8 and ::1. BlockList also matches the expanded (0:0:…:1) and
// IPv4-mapped (::ffff:127.0.0.1) spellings, which a string comparison would miss.
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Whether `host` can only be reached from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (/^localhost\.?$/i.test(bare)) return true;
  const family = isIP(bare);
  if (family === 4) return loopback.check(bare, 'ipv4');
  if (family === 6) return loopback.check(bare, 'ipv6');
  return false;
}

/**
 * Refuses to expose the dashboard beyond loopback without a password: bull-board can retry,
 * remove and obliterate jobs, so an open port on a LAN is an open door to every book.
 */
export function checkDashboardBind(host: string, hasCredentials: boolean): void {
  if (hasCredentials || isLoopbackHost(host)) return;
  const shown = host.trim() === '' ? 'all interfaces' : host;
  throw new ConfigError(
    `Refusing to serve the dashboard on ${shown} without a password: ` +
      'set NARRATE_DASHBOARD_USER and NARRATE_DASHBOARD_PASSWORD, or bind to 127.0.0.1',
  );
}
