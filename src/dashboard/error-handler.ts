import type { ErrorRequestHandler } from 'express';
import { coerceError, httpStatusOf } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * The last handler of the whole dashboard: whatever a route or bull-board throws is logged with its
 * stack, and the browser gets a short page with no stack, path or message from inside (express's
 * own handler sends the stack trace unless NODE_ENV=production). A client error raised by express
 * itself (a body too large, malformed JSON) keeps its 4xx status and its public message.
 */
export function errorHandler(logger: Logger | undefined): ErrorRequestHandler {
  return (thrown: unknown, req, res, next) => {
    const error = coerceError(thrown);
    const status = clientStatus(thrown) ?? narrateStatus(thrown);
    if (status === undefined) logger?.error({ err: error, method: req.method, path: req.path }, `dashboard: ${req.method} ${req.path} failed: ${error.message}`);
    if (res.headersSent) {
      // Mid-response: all that is left is to cut the connection (express's own advice).
      next(thrown);
      return;
    }
    res.set('Cache-Control', 'no-store');
    if (status !== undefined) {
      res.status(status).type('text/plain').send(`${error.message}\n`);
      return;
    }
    res.status(500).type('text/plain').send("Internal error: the dashboard's log says what went wrong.\n");
  };
}

/**
 * The status of one of narrate's own errors that the request can be told of (a bad request, no such
 * book, a book whose jobs are still held): from its kind, with its own message, which names no
 * secret. Anything else is a 500 whose details stay in the log.
 */
function narrateStatus(thrown: unknown): number | undefined {
  const status = httpStatusOf(thrown);
  return status === 500 ? undefined : status;
}

/** The status of an error express or body-parser raised for a bad request (marked `expose`), else undefined. */
function clientStatus(thrown: unknown): number | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined;
  const { status, statusCode, expose } = thrown as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const code = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : undefined;
  return code !== undefined && code >= 400 && code < 500 && expose === true ? code : undefined;
}
