import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

const CHALLENGE = 'Basic realm="narrate", charset="UTF-8"';

// Hashing first gives both sides the same length, so timingSafeEqual never throws and the
// comparison time says nothing about the length of the secret.
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function sameSecret(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

/** Parses `Authorization: Basic …` into user and password; undefined when absent or malformed. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  const encoded = match?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Express middleware that lets a request through only with the given Basic credentials; every
 * other request gets 401 and a challenge. The password is never logged or echoed.
 */
export function basicAuth(user: string, password: string): RequestHandler {
  const expectedUser = digest(user);
  const expectedPassword = digest(password);
  return (req, res, next) => {
    const given = parseBasicAuth(req.headers.authorization);
    // Compare both fields every time (`&`, not `&&`) so a right user name is not a timing signal.
    const ok =
      given !== undefined &&
      (Number(sameSecret(given.user, expectedUser)) & Number(sameSecret(given.password, expectedPassword))) === 1;
    if (ok) {
      next();
      return;
    }
    res.set('WWW-Authenticate', CHALLENGE);
    res.set('Cache-Control', 'no-store');
    res.status(401).type('text/plain').send('Authentication required\n');
  };
}
