import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/** The cookie holding a browser's CSRF session id. */
export const CSRF_COOKIE = 'narrate_csrf';
/** The form field (or X-CSRF-Token header) that must carry the token on every POST. */
export const CSRF_FIELD = 'csrf';

/** Issues and checks CSRF tokens for the Books page's POST actions. */
export interface Csrf {
  /** The token for this browser, setting its session cookie first if it has none. */
  token(req: Request, res: Response): string;
  /** Whether a POST carries the token that belongs to its own session cookie. */
  verify(req: Request): boolean;
}

/**
 * Signed double-submit tokens (OWASP's recommended variant): a random session id in a cookie, and a
 * token that is the HMAC of that id under a secret only this process knows. A cross-site page can
 * make the browser send the cookie but can neither read it nor compute its HMAC, and a cookie
 * planted by a sibling origin has no valid token to go with it. Basic auth alone is no defence:
 * the browser adds the credentials to a forged POST too. The secret is per process, so a restarted
 * dashboard asks for a reload rather than honouring old tokens.
 */
export function createCsrf(secret: Buffer = randomBytes(32)): Csrf {
  const sign = (session: string): string => createHmac('sha256', secret).update(session).digest('base64url');
  return {
    token(req, res) {
      let session = readCookie(req.headers.cookie, CSRF_COOKIE);
      if (session === undefined || !/^[A-Za-z0-9_-]{22,64}$/.test(session)) {
        session = randomBytes(18).toString('base64url');
        // SameSite=Strict: the cookie is not even sent on a cross-site POST. HttpOnly: no script reads it.
        res.append('Set-Cookie', `${CSRF_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict`);
      }
      return sign(session);
    },
    verify(req) {
      const session = readCookie(req.headers.cookie, CSRF_COOKIE);
      const body: unknown = req.body;
      const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[CSRF_FIELD] : undefined;
      const given = typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
      if (session === undefined || given === undefined) return false;
      const expected = Buffer.from(sign(session));
      const actual = Buffer.from(given);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

/** One cookie's value from a Cookie header; undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
