import { randomBytes } from 'node:crypto';
import { extname } from 'node:path';
import express, { type Request, type Response } from 'express';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BookActions } from './book-actions.js';
import { AUDIO_TYPES, bookAudioFile, listBookViews, readBookView, type AudioTarget, type BookSources } from './book-view.js';
import type { Csrf } from './csrf.js';
import { bookLayout, bookParts, bookUrl, LIST_LAYOUT, listParts, messageHtml, pageHtml, type BooksPaths, type Parts } from './render-books.js';

/** What the Books pages need: where to read books, how to act on them, and how often to push updates. */
export interface BooksRouterOptions {
  sources: BookSources;
  actions: BookActions;
  csrf: Csrf;
  paths: BooksPaths;
  /** How often a live page is re-read from Redis, in ms (default 1000). */
  updateIntervalMs?: number;
  logger?: Logger;
}

/** The Books pages, their live updates, audio and actions, as one express router mounted at `/`. */
export interface BooksRouter {
  router: express.Router;
  /** Ends every live-update stream (their timers too). Safe to call twice. */
  close(): void;
}

/**
 * GET  /books                       every book (live)
 * GET  /books/events                the list's updates (SSE)
 * GET  /books/:id                   one book: chapters, players, actions (live)
 * GET  /books/:id/events            that page's updates (SSE)
 * GET  /books/:id/audio/book        the finished book's audio (Range)
 * GET  /books/:id/audio/chapter/:n  a finished chapter's audio (Range)
 * POST /books/:id/cancel, /retry    with the CSRF token; 303 back to the book
 */
export function booksRouter(options: BooksRouterOptions): BooksRouter {
  const { sources, actions, csrf, paths } = options;
  const interval = options.updateIntervalMs ?? 1_000;
  const streams = new Set<() => void>();
  const router = express.Router();

  const page = async (req: Request, res: Response, build: (token: string) => Promise<{ title: string; parts: Parts; layout: string } | undefined>, events: string): Promise<void> => {
    const token = csrf.token(req, res);
    const built = await build(token);
    if (built === undefined) {
      res.status(404).type('html').send(messageHtml('No such book', `There is no book "${String(req.params.id)}" in Redis.`, paths.books));
      return;
    }
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(res, nonce);
    res.type('html').send(pageHtml({ title: `${built.title} · narrate`, heading: built.title, parts: built.parts, layout: built.layout, paths, nonce, eventsUrl: events }));
  };

  router.get(paths.books, (req, res, next) => {
    page(req, res, async (token) => ({ title: 'Books', parts: listParts(await listBookViews(sources), paths, token), layout: LIST_LAYOUT }), `${paths.books}/events`).catch(next);
  });

  router.get(`${paths.books}/events`, (req, res) => {
    const token = csrf.token(req, res);
    stream(req, res, async () => listParts(await listBookViews(sources), paths, token));
  });

  router.get(`${paths.books}/:id`, (req, res, next) => {
    const id = req.params.id;
    page(
      req,
      res,
      async (token) => {
        const view = await readBookView(sources, id);
        return view && { title: view.title, parts: bookParts(view, paths, token), layout: bookLayout(view) };
      },
      `${bookUrl(paths, id)}/events`,
    ).catch(next);
  });

  router.get(`${paths.books}/:id/events`, (req, res) => {
    const token = csrf.token(req, res);
    const id = req.params.id;
    stream(req, res, async () => {
      const view = await readBookView(sources, id);
      return view && bookParts(view, paths, token);
    });
  });

  const audio = (target: (req: Request) => AudioTarget | undefined) => (req: Request, res: Response, next: express.NextFunction): void => {
    const which = target(req);
    if (which === undefined) {
      res.status(404).type('text/plain').send('No such audio\n');
      return;
    }
    bookAudioFile(sources, String(req.params.id), which)
      .then((file) => {
        if (file === undefined) {
          res.status(404).type('text/plain').send('No such audio (not finished yet?)\n');
          return;
        }
        res.set('Content-Type', AUDIO_TYPES.get(extname(file).toLowerCase()) ?? 'application/octet-stream');
        res.set('Cache-Control', 'no-store');
        // express's sendFile answers Range requests (206 with Content-Range, 416 when unsatisfiable) and
        // conditional ones; players need ranges to seek and to read a duration stored at the end.
        // dotfiles 'allow': the path is the book's own, and may sit under a dot directory.
        res.sendFile(file, { acceptRanges: true, dotfiles: 'allow', cacheControl: false, lastModified: true }, (error) => {
          if (error && !res.headersSent) res.status(404).type('text/plain').send('Audio file missing on disk\n');
        });
      })
      .catch(next);
  };
  router.get(`${paths.books}/:id/audio/book`, audio(() => ({ kind: 'book' })));
  router.get(`${paths.books}/:id/audio/chapter/:n`, audio((req) => {
    const n = String(req.params.n);
    return /^\d{1,6}$/.test(n) ? { kind: 'chapter', index: Number(n) } : undefined;
  }));

  const form = express.urlencoded({ extended: false, limit: '4kb' });
  for (const action of ['cancel', 'retry'] as const) {
    router.post(`${paths.books}/:id/${action}`, form, (req, res, next) => {
      const id = req.params.id;
      const back = bookUrl(paths, id);
      if (!sameOrigin(req) || !csrf.verify(req)) {
        res.status(403).type('html').send(messageHtml('Refused', 'The form was missing its security token or it was stale: reload the page and try again.', back));
        return;
      }
      actions[action](id)
        .then((outcome) => {
          options.logger?.info({ bookId: id, action, status: outcome.status }, `dashboard: ${action} ${outcome.message}`);
          if (outcome.status === 200) res.redirect(303, back);
          else res.status(outcome.status).type('html').send(messageHtml(`Could not ${action}`, outcome.message, back));
        })
        .catch(next);
    });
  }

  /** Server-sent events: the parts whenever they change, a comment every 15 s to keep proxies from timing out. */
  function stream(req: Request, res: Response, read: () => Promise<Parts | undefined>): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    let last = '';
    let quietSince = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stop = (): void => {
      stopped = true;
      clearTimeout(timer);
      streams.delete(stop);
      if (!res.writableEnded) res.end();
    };
    streams.add(stop);
    req.on('close', stop);
    const tick = async (): Promise<void> => {
      try {
        const parts = await read();
        if (stopped) return;
        if (parts === undefined) {
          res.write('event: gone\ndata: {}\n\n');
          stop();
          return;
        }
        const data = JSON.stringify(parts);
        if (data !== last) {
          last = data;
          quietSince = Date.now();
          res.write(`event: parts\ndata: ${data}\n\n`);
        } else if (Date.now() - quietSince > 15_000) {
          quietSince = Date.now();
          res.write(': still here\n\n');
        }
      } catch (error) {
        // Redis restarting: the page keeps what it shows and the next tick tries again.
        options.logger?.warn({ err: coerceError(error).message }, 'dashboard: reading books for a live page failed');
      }
      if (!stopped) timer = setTimeout(() => void tick(), interval);
    };
    void tick();
  }

  return {
    router,
    close() {
      for (const stop of [...streams]) stop();
    },
  };
}

function securityHeaders(res: Response, nonce: string): void {
  res.set(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; media-src 'self'; ` +
      "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  );
  res.set('Cache-Control', 'no-store');
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Referrer-Policy', 'same-origin');
}

/**
 * A POST whose Origin names another site is refused outright (browsers send Origin on every POST);
 * one without Origin is left to the token.
 */
function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (origin === undefined || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}
