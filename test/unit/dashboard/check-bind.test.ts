import { describe, expect, it } from 'vitest';
import { checkDashboardBind, isLoopbackHost } from '../../../src/dashboard/check-bind.js';
import { ConfigError } from '../../../src/errors.js';

describe('checkDashboardBind', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST'])(
    'allows loopback host %s without credentials',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
      expect(() => checkDashboardBind(host, false)).not.toThrow();
    },
  );

  it.each(['0.0.0.0', '::', '192.168.1.20', '10.0.0.5', '128.0.0.1', 'example.com', 'localhost.example.com', ''])(
    'refuses %j without credentials',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
      expect(() => checkDashboardBind(host, false)).toThrow(ConfigError);
    },
  );

  it('names the host and the variables to set', () => {
    expect(() => checkDashboardBind('0.0.0.0', false)).toThrow(
      'Refusing to serve the dashboard on 0.0.0.0 without a password: set NARRATE_DASHBOARD_USER and NARRATE_DASHBOARD_PASSWORD, or bind to 127.0.0.1',
    );
  });

  it.each(['0.0.0.0', '::', '192.168.1.20', '127.0.0.1'])('allows %s with credentials', (host) => {
    expect(() => checkDashboardBind(host, true)).not.toThrow();
  });
});
