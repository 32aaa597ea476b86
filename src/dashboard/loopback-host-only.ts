import type { RequestHandler } from 'express';
import { isLoopbackHost } from './check-bind.js';

/**
 * For a dashboard without a password (loopback only): answers 403 to a request whose Host header is
 * not a loopback name. A page on another site can rebind its own DNS name to 127.0.0.1 and then
 * read and drive the board through the visitor's browser; its Host header still names that site.
 */
export function loopbackHostOnly(): RequestHandler {
  return (req, res, next) => {
    const host = req.headers.host ?? '';
    // Host is "name:port", "[v6]:port" or a bare name.
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
    if (isLoopbackHost(name)) {
      next();
      return;
    }
    res.status(403).type('text/plain').send('This dashboard has no password, so it only answers requests to a loopback address\n');
  };
}
