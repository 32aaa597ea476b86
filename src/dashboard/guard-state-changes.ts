import type { Request, RequestHandler } from 'express';

/** How the dashboard decides who may change something. */
export interface StateChangeRules {
  /** Refuse every state-changing request (narrate dashboard --read-only). */
  readOnly: boolean;
  /**
   * The dashboard's public origin (NARRATE_DASHBOARD_ORIGIN), for a reverse proxy that rewrites
   * Host; undefined: the origin's host must be the request's Host.
   */
  publicOrigin: string | undefined;
}

/**
 * Guards every request that is not GET or HEAD, for the Books page and bull-board's API alike
 * (bull-board checks neither origin nor token, and Basic auth is no defence: the browser adds the
 * credentials to a forged request too). Such a request must name the dashboard's own origin in
 * Origin (or, from a browser that sends none, in Referer), else it is refused with 403: a page on
 * another site cannot make the browser send its victim's origin. A script adds the header itself
 * (curl -H 'Origin: http://127.0.0.1:3000'). Read-only mode refuses them all.
 */
export function guardStateChanges(rules: StateChangeRules): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    const refuse = (why: string): void => {
      res.status(403).set('Cache-Control', 'no-store').type('text/plain').send(`Refused: ${why}\n`);
    };
    if (rules.readOnly) {
      refuse('this dashboard is read-only (narrate dashboard --read-only, NARRATE_DASHBOARD_READ_ONLY): it changes nothing');
      return;
    }
    const origin = requestOrigin(req);
    if (origin === undefined) {
      refuse('a request that changes something must carry an Origin header naming this dashboard');
      return;
    }
    if (!isOwnOrigin(origin, req, rules.publicOrigin)) {
      refuse(`it comes from ${origin}, not from this dashboard${rules.publicOrigin === undefined ? '' : ` (${rules.publicOrigin})`}`);
      return;
    }
    next();
  };
}

/** The origin a request says it comes from: Origin, else Referer's origin; undefined when neither. */
function requestOrigin(req: Request): string | undefined {
  const origin = req.get('origin');
  if (origin !== undefined) return origin.trim();
  const referer = req.get('referer');
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

/**
 * With a configured public origin, the whole origin (scheme, host, port) must be it. Without one,
 * the origin's host must be the Host the request was sent to: the scheme is not compared, since a
 * proxy that terminates TLS and keeps Host turns https into http on the way.
 */
function isOwnOrigin(origin: string, req: Request, publicOrigin: string | undefined): boolean {
  // "null" (sandboxed frames, file: pages, some redirects) is never this dashboard.
  if (origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (publicOrigin !== undefined) return url.origin === publicOrigin;
  const host = req.get('host');
  if (host === undefined) return false;
  try {
    return url.host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}
