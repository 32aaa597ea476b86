import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { Logger } from '../logger.js';
import { DamagedBookRecordError } from '../queue/damaged-book-record-error.js';
import type { BookActions } from './book-actions.js';
import { findBooks, type FoundBooks } from '../books/find-books.js';
import { bookAudioLocation, readBookView, readBookViews, type AudioTarget, type BookSources, type BookView } from './book-view.js';
import type { Csrf } from './csrf.js';
import { liveBooks, listTopicKey, type ListTopic, type LiveParts, type LiveSnapshot } from './live-books.js';
import { openServedFile } from './open-served-file.js';
import { readAlongText, type ReadAlongText } from './read-along-text.js';
import { readAlongHtml } from './render-read-along.js';
import { placeOfAudio } from './place-of-audio.js';
import { bookLayout, bookParts, bookUrl, LIST_LAYOUT, listParts, listPlaceParts, listUrl, MAX_SEARCH, messageHtml, pageHtml, type BooksPaths, type Parts, type RenderContext } from './render-books.js';
import { escapeHtml } from './escape-html.js';
import { sendServedFile } from './send-served-file.js';

/** What the Books pages need: where to read books, how to act on them, and how often to push updates. */
export interface BooksRouterOptions {
  sources: BookSources;
  actions: BookActions;
  csrf: Csrf;
  paths: BooksPaths;
  /** The output folders whose audio may be served: a file's real path must lie inside one of them. */
  serve: readonly string[];
  /** No buttons on the pages (the requests themselves are refused by guardStateChanges). Default false. */
  readOnly?: boolean;
  /** How often the live pages are re-read from Redis, in ms (default 1000): one read for all of them. */
  updateIntervalMs?: number;
  /** Live-update streams held at once (default 100); one more is answered 503. */
  maxStreams?: number;
  /** Books on a page of the list (default BOOKS_PER_PAGE). */
  perPage?: number;
  logger?: Logger;
}

/** The Books pages, their live updates, audio and actions, as one express router mounted at `/`. */
export interface BooksRouter {
  router: express.Router;
  /** Live-update streams open now. */
  readonly streams: number;
  /** Polls of Redis made for the live pages so far (one per tick, whatever the number of streams). */
  readonly polls: number;
  /** Ends every live-update stream (and the poll). Safe to call twice. */
  close(): void;
}

/** Books on a page of the Books list: a page that renders and updates at once with 10,000 books in Redis. */
export const BOOKS_PER_PAGE = 50;

/**
 * GET  /books[?page=N][&q=TITLE]    a page of books, newest first, or of those whose title contains TITLE (live)
 * GET  /books/events[?page&q]       that page's updates (SSE)
 * GET  /books/:id                   one book: chapters, players, actions (live)
 * GET  /books/:id/events            that page's updates (SSE)
 * GET  /books/:id/read-along        the finished book's text, following its audio sentence by sentence
 * GET  /books/:id/audio/book        the finished book's audio (Range, conditional requests)
 * GET  /books/:id/audio/chapter/:n  a finished chapter's audio (Range, conditional requests)
 * POST /books/:id/cancel, /retry    with the CSRF token; 303 back to the book
 */
export function booksRouter(options: BooksRouterOptions): BooksRouter {
  const { sources, actions, csrf, paths, logger } = options;
  const router = express.Router();
  const audioPlace = placeOfAudio(options.serve);
  // The live pages render once for every browser, with this in place of the CSRF token; each
  // stream puts its own token there. Random, so no title can contain it.
  const slot = `csrf-slot-${randomBytes(12).toString('hex')}`;
  const context = (csrfToken: string): RenderContext => ({ paths, csrfToken, readOnly: options.readOnly === true, audioPlace });
  const reported = new Set<string>();

  const perPage = options.perPage ?? BOOKS_PER_PAGE;
  // Folded titles by book id, for searches: a title never changes after its submit (see findBooks).
  const titles = new Map<string, string>();
  const findPage = (topic: ListTopic): Promise<FoundBooks> =>
    findBooks(sources.redis, sources.prefix, { page: topic.page, perPage, ...(topic.search === undefined ? {} : { search: topic.search }) }, titles);

  /** The views of `ids`, with their damaged records named once each in the log. */
  const readViews = async (ids: readonly string[]): Promise<{ views: Map<string, BookView>; damaged: DamagedBookRecordError[] }> => {
    const read = await readBookViews(sources, ids);
    for (const error of read.damaged) {
      if (reported.has(error.message)) continue;
      reported.add(error.message);
      logger?.warn({ bookId: error.bookId, key: error.key }, `dashboard: skipped ${error.message}`);
    }
    return { views: new Map(read.views.map((v) => [v.bookId, v])), damaged: read.damaged };
  };

  /** A page of the list as parts, from the views read for every open page at once. */
  const listPage = (topic: ListTopic, found: FoundBooks, read: { views: Map<string, BookView>; damaged: DamagedBookRecordError[] }, ctx: RenderContext): LiveParts => {
    const onPage = new Set(found.ids);
    const views = found.ids.flatMap((id) => read.views.get(id) ?? []);
    const damaged = read.damaged.filter((d) => onPage.has(d.bookId)).map((d) => d.message);
    const empty = topic.search ? `No book's title contains “${escapeHtml(topic.search)}”.` : undefined;
    const list = empty === undefined ? listParts(views, ctx, damaged) : listParts(views, ctx, damaged, empty);
    const place = { page: found.page, pages: found.pages, total: found.total, ...(topic.search === undefined ? {} : { search: topic.search }) };
    return { parts: { ...listPlaceParts(place, paths), ...list.parts }, children: list.children };
  };

  const maxStreams = options.maxStreams ?? 100;
  const live = liveBooks({
    intervalMs: options.updateIntervalMs ?? 1_000,
    maxStreams,
    ...(logger === undefined ? {} : { logger }),
    async poll(need): Promise<LiveSnapshot> {
      const books = new Map<string, LiveParts | 'gone' | 'unreadable'>();
      const lists = new Map<string, LiveParts>();
      // Every open page's books read together: a book on two pages (or on a page and its own) is read once.
      const found = await Promise.all(need.lists.map(findPage));
      const listed = [...new Set(found.flatMap((f) => f.ids))];
      const onSomePage = new Set(listed);
      const read = await readViews(listed);
      const damaged = new Set(read.damaged.map((d) => d.bookId));
      need.lists.forEach((topic, i) => lists.set(listTopicKey(topic), listPage(topic, found[i]!, read, context(slot))));
      await Promise.all(
        need.bookIds.map(async (id) => {
          try {
            const view = read.views.get(id) ?? (onSomePage.has(id) ? undefined : await readBookView(sources, id));
            books.set(id, damaged.has(id) ? 'unreadable' : view === undefined ? 'gone' : { parts: bookParts(view, context(slot)) });
          } catch (error) {
            if (!(error instanceof DamagedBookRecordError)) throw error;
            books.set(id, 'unreadable');
          }
        }),
      );
      return { lists, books };
    },
  });

  const page = async (req: Request, res: Response, build: () => Promise<{ title: string; parts: Parts; layout: string; events: string } | undefined>): Promise<void> => {
    let built: { title: string; parts: Parts; layout: string; events: string } | undefined;
    try {
      built = await build();
    } catch (error) {
      if (!(error instanceof DamagedBookRecordError)) throw error;
      logger?.warn({ bookId: error.bookId, key: error.key }, `dashboard: ${error.message}`);
      res.status(500).set('Cache-Control', 'no-store').type('html').send(messageHtml('Damaged book record', error.message, paths.books));
      return;
    }
    if (built === undefined) {
      res.status(404).type('html').send(messageHtml('No such book', `There is no book "${String(req.params.id)}" in Redis.`, paths.books));
      return;
    }
    const token = csrf.token(req, res);
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(res, nonce);
    const html = pageHtml({ title: `${built.title} · narrate`, heading: built.title, parts: built.parts, layout: built.layout, paths, nonce, eventsUrl: built.events });
    res.type('html').send(html.replaceAll(slot, token));
  };

  /** The page of the list a request asks for (?page=N&q=TITLE), or a message saying what to fix. */
  const listTopic = (req: Request): ListTopic | string => {
    const page = req.query.page;
    const q = req.query.q;
    if (page !== undefined && (typeof page !== 'string' || !/^\d{1,7}$/.test(page) || Number(page) < 1)) return `page: expected a whole number >= 1, got "${String(page)}"`;
    if (q !== undefined && typeof q !== 'string') return 'q: expected one title to search for';
    const search = (q ?? '').trim();
    if (search.length > MAX_SEARCH) return `q: expected at most ${MAX_SEARCH} characters of a title, got ${search.length}`;
    return { kind: 'list', page: page === undefined ? 1 : Number(page), ...(search === '' ? {} : { search }) };
  };

  router.get(paths.books, (req, res, next) => {
    const topic = listTopic(req);
    if (typeof topic === 'string') {
      res.status(400).set('Cache-Control', 'no-store').type('html').send(messageHtml('Bad request', topic, paths.books));
      return;
    }
    page(req, res, async () => {
      const found = await findPage(topic);
      const list = listPage(topic, found, await readViews(found.ids), context(slot));
      // The stream follows the page actually shown (a page past the last is the last).
      const shown = { ...topic, page: found.page };
      return { title: 'Books', parts: list.parts, layout: LIST_LAYOUT, events: `${paths.books}/events${listUrl(paths, shown.page, shown.search).slice(paths.books.length)}` };
    }).catch(next);
  });

  const events = (topic: Parameters<typeof live.open>[2]) => (req: Request, res: Response): void => {
    const token = csrf.token(req, res);
    if (live.open(req, res, topic, (json) => json.replaceAll(slot, token))) return;
    res.status(503).set('Retry-After', '30').set('Cache-Control', 'no-store').type('text/plain')
      .send(`Too many live pages open: this dashboard holds at most ${maxStreams} live-update streams (NARRATE_DASHBOARD_MAX_STREAMS). Close some Books pages, or reload later.\n`);
  };
  router.get(`${paths.books}/events`, (req, res) => {
    const topic = listTopic(req);
    if (typeof topic === 'string') res.status(400).set('Cache-Control', 'no-store').type('text/plain').send(`${topic}\n`);
    else events(topic)(req, res);
  });

  router.get(`${paths.books}/:id`, (req, res, next) => {
    const id = req.params.id;
    page(req, res, async () => {
      const view = await readBookView(sources, id);
      return view && { title: view.title, parts: bookParts(view, context(slot)), layout: bookLayout(view), events: `${bookUrl(paths, id)}/events` };
    }).catch(next);
  });

  router.get(`${paths.books}/:id/read-along`, (req, res, next) => {
    const id = String(req.params.id);
    const back = bookUrl(paths, id);
    const message = (status: number, title: string, text: string): void =>
      void res.status(status).set('Cache-Control', 'no-store').type('html').send(messageHtml(title, text, back));
    (async () => {
      let view: BookView | undefined;
      try {
        view = await readBookView(sources, id);
      } catch (error) {
        if (!(error instanceof DamagedBookRecordError)) throw error;
        message(500, 'Damaged book record', error.message);
        return;
      }
      if (view === undefined) return message(404, 'No such book', `There is no book "${id}" in Redis.`);
      if (view.audioFile === undefined || view.manifestFile === undefined) return message(404, 'Not finished yet', 'The read-along view opens once the book is finished.');
      if (audioPlace(view.audioFile) !== 'served') {
        return message(404, 'Audio not served', 'This book is not in the folders this dashboard serves (--serve): its audio cannot play here.');
      }
      const text = await readManifest(view.manifestFile, id);
      if (text === undefined) {
        return message(404, 'No read-along text', 'This book\'s manifest has no sentence timings: books narrated with alignment on (the default) list them; narrate it again to get them.');
      }
      const nonce = randomBytes(16).toString('base64');
      securityHeaders(res, nonce);
      res.type('html').send(readAlongHtml({ title: view.title, text, audioUrl: `${back}/audio/book`, backUrl: back, nonce }));
    })().catch(next);
  });

  /** The manifest's read-along text, read only from the served folders, as the audio is. */
  const readManifest = async (location: string, bookId: string): Promise<ReadAlongText | undefined> => {
    const file = await openServedFile(options.serve, location, MANIFEST_TYPES);
    if ('kind' in file) {
      logger?.warn({ bookId }, `dashboard: not reading the manifest: ${file.detail}`);
      return undefined;
    }
    try {
      if (file.size > MAX_MANIFEST_BYTES) return undefined;
      return readAlongText(JSON.parse(await file.handle.readFile('utf8')));
    } catch (error) {
      logger?.warn({ bookId, err: error }, 'dashboard: the manifest could not be read');
      return undefined;
    } finally {
      await file.handle.close().catch(() => undefined);
    }
  };

  router.get(`${paths.books}/:id/events`, (req, res) => events({ kind: 'book', bookId: req.params.id })(req, res));

  const audio = (target: (req: Request) => AudioTarget | undefined) => (req: Request, res: Response, next: express.NextFunction): void => {
    const which = target(req);
    const id = String(req.params.id);
    const notFound = (text: string): void => void res.status(404).set('Cache-Control', 'no-store').type('text/plain').send(`${text}\n`);
    if (which === undefined) {
      notFound('No such audio');
      return;
    }
    (async () => {
      const location = await bookAudioLocation(sources, id, which);
      if (location === undefined) {
        notFound('No such audio (not finished yet?)');
        return;
      }
      const file = await openServedFile(options.serve, location);
      if ('kind' in file) {
        if (file.kind === 'remote') {
          notFound('This audio is in a bucket: the dashboard serves only files in the folders it was started with (--serve)');
          return;
        }
        // The same answer whatever the reason, so it tells nothing about paths outside the folders.
        logger?.warn({ bookId: id, target: which }, `dashboard: not serving audio: ${file.detail}`);
        notFound('No such audio file in the folders this dashboard serves (--serve)');
        return;
      }
      await sendServedFile(req, res, file);
    })().catch(next);
  };
  router.get(`${paths.books}/:id/audio/book`, audio(() => ({ kind: 'book' })));
  router.get(`${paths.books}/:id/audio/chapter/:n`, audio((req) => {
    const n = String(req.params.n);
    return /^\d{1,6}$/.test(n) ? { kind: 'chapter', index: Number(n) } : undefined;
  }));

  const form = express.urlencoded({ extended: false, limit: '4kb' });
  for (const action of ['cancel', 'retry'] as const) {
    // The origin was checked by guardStateChanges before any router; the token proves the form is ours.
    router.post(`${paths.books}/:id/${action}`, form, (req, res, next) => {
      const id = req.params.id;
      const back = bookUrl(paths, id);
      if (!csrf.verify(req)) {
        res.status(403).type('html').send(messageHtml('Refused', 'The form was missing its security token or it was stale: reload the page and try again.', back));
        return;
      }
      actions[action](id)
        .then((outcome) => {
          logger?.info({ bookId: id, action, status: outcome.status }, `dashboard: ${action} ${outcome.message}`);
          if (outcome.status === 200) res.redirect(303, back);
          else res.status(outcome.status).type('html').send(messageHtml(`Could not ${action}`, outcome.message, back));
        })
        .catch(next);
    });
  }

  return {
    router,
    get streams() {
      return live.size;
    },
    get polls() {
      return live.polls;
    },
    close() {
      live.close();
    },
  };
}

const MANIFEST_TYPES: ReadonlyMap<string, string> = new Map([['.json', 'application/json']]);
// A manifest lists every sentence: a long book's is a few megabytes; anything far larger is not ours.
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

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
