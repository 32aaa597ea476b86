import { createHash } from 'node:crypto';
import { formatUsd } from '../money/estimate-cost.js';
import type { BookView, ChapterView } from './book-view.js';
import { CSRF_FIELD } from './csrf.js';
import { escapeHtml as h } from './escape-html.js';

/** Where the Books page lives and links to. */
export interface BooksPaths {
  /** The Books list, e.g. `/books`. */
  books: string;
  /** bull-board's page, e.g. `/`. */
  bullBoard: string;
}

/**
 * A page in named parts: each part is one element with an id and a version (a hash of its HTML).
 * The live-update script replaces a part only when its version changed, so an <audio> player that is
 * playing is never rebuilt by an update that did not touch it.
 */
export type Parts = Record<string, string>;

const CANCELLABLE = new Set(['queued', 'narrating', 'finalizing']);
const RETRYABLE = new Set(['failed', 'cancelled', 'over-budget']);

/** Where a book's audio file is, as far as the page is concerned. */
export type AudioPlace = 'served' | 'remote' | 'elsewhere';

/** What every part of a page is rendered with. */
export interface RenderContext {
  paths: BooksPaths;
  /** Put in every form (the live streams render once with a placeholder and fill it per browser). */
  csrfToken: string;
  /** A read-only dashboard shows no buttons. */
  readOnly?: boolean;
  /** Whether this dashboard serves a file (default: it does). */
  audioPlace?: (file: string) => AudioPlace;
}

/** The id of a book's row in the list: its own part, sent alone when only that book changed. */
export function rowPartId(bookId: string): string {
  return `book-${bookId}`;
}

/**
 * The list of every book, as parts: `damaged` (the records that could not be read), `books` (the
 * table) and one part per row. The table's version changes only when books come, go or move, so a
 * live page gets the whole table then, and otherwise only the rows that changed (`children`).
 */
export function listParts(books: readonly BookView[], ctx: RenderContext, damaged: readonly string[] = [], empty = 'No books yet. Submit one with <code>narrate submit</code>.'): { parts: Parts; children: Record<string, string[]> } {
  const { paths } = ctx;
  const rows: Parts = {};
  for (const book of books) {
    const link = bookUrl(paths, book.bookId);
    const inner = `<td><a href="${h(link)}">${h(book.title)}</a><div class="muted">${h(book.bookId)} · ${h(new Date(book.createdAt).toISOString())}</div></td>
<td><span class="state state-${h(book.state)}">${h(book.state)}</span></td>
<td>${progressHtml(book)}</td>
<td>${h(etaText(book))}</td>
<td>${h(costText(book))}</td>
<td>${h(similarityText(book))}</td>
<td>${h(retriesText(book.retriesByReason))}</td>
<td class="reason">${h(book.reason ?? '')}</td>
<td>${actionsHtml(book, ctx)}</td>`;
    rows[rowPartId(book.bookId)] = part(rowPartId(book.bookId), 'tr', inner, { 'data-book': book.bookId });
  }
  const ids = Object.keys(rows);
  const body =
    ids.length === 0
      ? `<p class="muted">${empty}</p>`
      : `<table><thead><tr><th>Book</th><th>State</th><th>Chapters</th><th>ETA</th><th>Cost / estimate</th><th>Similarity</th><th>Retries by reason</th><th>Failure reason</th><th></th></tr></thead>
<tbody>${Object.values(rows).join('\n')}</tbody></table>`;
  const notice =
    damaged.length === 0
      ? ''
      : `<p class="reason">${h(`Skipped ${damaged.length} damaged book record${damaged.length === 1 ? '' : 's'}:`)}</p><ul class="reason">${damaged.map((m) => `<li>${h(m)}</li>`).join('')}</ul>`;
  return {
    parts: { damaged: part('damaged', 'div', notice), books: part('books', 'div', body, {}, ids.join('\n')), ...rows },
    children: { books: ids },
  };
}

/** One book's page, as parts: summary, actions, the book's audio, one per chapter. */
export function bookParts(book: BookView, ctx: RenderContext): Parts {
  const link = bookUrl(ctx.paths, book.bookId);
  const place = ctx.audioPlace ?? (() => 'served' as const);
  const summary = `<dl>
<dt>State</dt><dd><span class="state state-${h(book.state)}">${h(book.state)}</span></dd>
<dt>Chapters</dt><dd>${progressHtml(book)}</dd>
<dt>Chunks</dt><dd>${h(`${book.chunksDone}/${book.chunksTotal}`)}</dd>
<dt>ETA</dt><dd>${h(etaText(book))}</dd>
<dt>Cost / estimate</dt><dd>${h(costText(book))}</dd>
<dt>Similarity</dt><dd>${h(similarityText(book))}</dd>
<dt>Retries by reason</dt><dd>${h(retriesText(book.retriesByReason))}</dd>
<dt>Submitted</dt><dd>${h(new Date(book.createdAt).toISOString())}</dd>
${book.reason === undefined ? '' : `<dt>Reason</dt><dd class="reason">${h(book.reason)}</dd>`}
</dl>`;
  const parts: Parts = {
    summary: part('summary', 'section', summary),
    actions: part('actions', 'div', actionsHtml(book, ctx)),
    'book-audio': part(
      'book-audio',
      'section',
      book.audioFile === undefined
        ? '<h2>The book</h2><p class="muted">Not finished yet.</p>'
        : `<h2>The book</h2>${playerHtml(book.audioFile, `${link}/audio/book`, place)}${readAlongLink(book, link, place)}`,
    ),
  };
  for (const chapter of book.chapters) parts[`chapter-${chapter.index}`] = part(`chapter-${chapter.index}`, 'li', chapterHtml(chapter, link, place));
  return parts;
}

/** A link to the read-along view, for a finished book whose audio this dashboard serves. */
function readAlongLink(book: BookView, link: string, place: (file: string) => AudioPlace): string {
  if (book.audioFile === undefined || book.manifestFile === undefined || place(book.audioFile) !== 'served') return '';
  return ` <a class="read-along" href="${h(`${link}/read-along`)}">Read along</a>`;
}

/**
 * An <audio> player for a file this dashboard serves; for one it does not, where the file is:
 * a bucket is not streamed through the dashboard, and a folder outside --serve is not served.
 */
function playerHtml(file: string, src: string, place: (file: string) => AudioPlace): string {
  switch (place(file)) {
    case 'served':
      return `<audio controls preload="metadata" src="${h(src)}"></audio>`;
    case 'remote':
      return `<span class="muted audio-elsewhere">${h(`in the bucket: ${file}`)}</span>`;
    case 'elsewhere':
      return `<span class="muted audio-elsewhere">${h(`${file} (outside the folders this dashboard serves: see --serve)`)}</span>`;
  }
}

function chapterHtml(chapter: ChapterView, link: string, place: (file: string) => AudioPlace): string {
  const progress = `<progress max="${chapter.chunksTotal}" value="${chapter.chunksDone}"></progress> <span class="muted">${h(`${chapter.chunksDone}/${chapter.chunksTotal} chunks`)}</span>`;
  const audio = chapter.audioFile === undefined ? '' : playerHtml(chapter.audioFile, `${link}/audio/chapter/${chapter.index}`, place);
  const state = `<span class="state state-${h(chapter.state)}">${h(chapter.state)}</span>`;
  return `<span class="chapter-title">${h(chapter.title)}</span> ${state} ${chapter.done ? '' : progress} ${audio}`;
}

/** A whole HTML page around parts, with the CSP nonce for its one style and one script. */
export function pageHtml(options: { title: string; heading: string; parts: Parts; layout: string; paths: BooksPaths; nonce: string; eventsUrl: string }): string {
  const { paths, nonce } = options;
  // One pass with a function: inserted HTML is never rescanned (a title "{{summary}}" stays text)
  // and "$&" in a title is not a replacement pattern.
  const body = options.layout.replace(/\{\{([\w-]+)\}\}/g, (_, id: string) => options.parts[id] ?? '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(options.title)}</title>
<style nonce="${h(nonce)}">${STYLE}</style></head>
<body><header><a href="${h(paths.books)}"><strong>narrate</strong> · Books</a><nav><a href="${h(paths.books)}">All books</a> <a id="bull-board-link" href="${h(paths.bullBoard)}">Queues (bull-board)</a></nav></header>
<main><h1>${h(options.heading)}</h1>
${body}
</main>
<footer class="muted" id="live-status">live</footer>
<script nonce="${h(nonce)}" data-events="${h(options.eventsUrl)}">${SCRIPT}</script>
</body></html>`;
}

/** The list page's layout: where its parts go (the rows are inside `books`). */
export const LIST_LAYOUT = '{{search}}\n{{pager}}\n{{damaged}}\n{{books}}';

/** Which page of the list a browser shows: see findBooks. */
export interface ListPlace {
  page: number;
  pages: number;
  total: number;
  /** The title search, when there is one. */
  search?: string;
}

/** The URL of a page of the list (page 1 and no search: the bare list). */
export function listUrl(paths: BooksPaths, page: number, search?: string): string {
  const query = new URLSearchParams();
  if (page > 1) query.set('page', String(page));
  if (search) query.set('q', search);
  const text = query.toString();
  return text === '' ? paths.books : `${paths.books}?${text}`;
}

/**
 * The list's own parts: `search` (the find-by-title form, holding what was searched) and `pager`
 * (where this page is, with previous and next links). Parts, not layout, so a searched text is
 * inserted as escaped HTML and never read as a placeholder.
 */
export function listPlaceParts(place: ListPlace, paths: BooksPaths): Parts {
  const search = `<form method="get" action="${h(paths.books)}" role="search"><input type="search" name="q" value="${h(place.search ?? '')}" placeholder="Find a book by title" aria-label="Find a book by title" maxlength="${MAX_SEARCH}"> <button type="submit">Find</button>${place.search ? ` <a href="${h(paths.books)}">All books</a>` : ''}</form>`;
  const what = place.search
    ? `${place.total} book${place.total === 1 ? '' : 's'} whose title contains “${place.search}”`
    : `${place.total} book${place.total === 1 ? '' : 's'}`;
  const link = (rel: 'prev' | 'next', page: number, label: string): string =>
    `<a rel="${rel}" class="${rel}" href="${h(listUrl(paths, page, place.search))}">${label}</a>`;
  const pager = `${place.page > 1 ? link('prev', place.page - 1, '← Previous') : '<span class="muted">← Previous</span>'} <span class="where">${h(`Page ${place.page} of ${place.pages} · ${what}`)}</span> ${place.page < place.pages ? link('next', place.page + 1, 'Next →') : '<span class="muted">Next →</span>'}`;
  return { search: part('search', 'div', search), pager: part('pager', 'nav', pager, { 'aria-label': 'pages' }) };
}

/** The longest title search the list takes, in characters. */
export const MAX_SEARCH = 200;

/** A book page's layout for `book`: where its parts go. */
export function bookLayout(book: BookView): string {
  const chapters = book.chapters.map((c) => `{{chapter-${c.index}}}`).join('\n');
  return `{{actions}}\n{{summary}}\n{{book-audio}}\n<section><h2>Chapters</h2><ol class="chapters">${chapters}</ol></section>`;
}

/** A small page for a refused or failed action. */
export function messageHtml(title: string, message: string, back: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title></head><body><h1>${h(title)}</h1><p>${h(message)}</p><p><a href="${h(back)}">Back</a></p></body></html>`;
}

/** The URL of a book's page. */
export function bookUrl(paths: BooksPaths, bookId: string): string {
  return `${paths.books}/${encodeURIComponent(bookId)}`;
}

/**
 * One part: an element with an id and a version, the hash of `versionOf` (by default its HTML).
 * The live script finds the version at the first data-v, so it comes right after the id.
 */
function part(id: string, tag: string, inner: string, attributes: Record<string, string> = {}, versionOf = inner): string {
  const version = createHash('sha1').update(versionOf).digest('base64url').slice(0, 12);
  const extra = Object.entries(attributes).map(([name, value]) => ` ${name}="${h(value)}"`).join('');
  return `<${tag} id="${h(id)}" data-v="${version}"${extra}>${inner}</${tag}>`;
}

/** A part's version (its data-v), as the live script reads it. */
export function partVersion(html: string): string {
  return /data-v="([^"]*)"/.exec(html)?.[1] ?? '';
}

function progressHtml(book: BookView): string {
  const total = book.chapters.length;
  return `<progress max="${Math.max(book.chunksTotal, 1)}" value="${book.chunksDone}"></progress> <span class="chapters-done">${h(`${book.chaptersDone}/${total} chapters`)}</span> <span class="muted">${h(`(${book.chunksDone}/${book.chunksTotal} chunks)`)}</span>`;
}

function actionsHtml(book: BookView, ctx: RenderContext): string {
  if (ctx.readOnly) return '<div class="actions muted">read-only dashboard</div>';
  const link = bookUrl(ctx.paths, book.bookId);
  const form = (action: 'cancel' | 'retry', label: string): string =>
    `<form method="post" action="${h(`${link}/${action}`)}"><input type="hidden" name="${CSRF_FIELD}" value="${h(ctx.csrfToken)}"><button type="submit" class="${action}" data-action="${action}">${label}</button></form>`;
  const forms: string[] = [];
  if (CANCELLABLE.has(book.state)) forms.push(form('cancel', 'Cancel'));
  if (RETRYABLE.has(book.state)) forms.push(form('retry', 'Retry'));
  return `<div class="actions">${forms.join('')}</div>`;
}

/** "4 min 10 s", "1 h 5 min", "—". */
export function etaText(book: Pick<BookView, 'etaMs'>): string {
  if (book.etaMs === undefined) return '—';
  const s = Math.max(1, Math.round(book.etaMs / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "$0.0123 of $0.0500 estimated (cap $1.00)"; "—" for what is not known. */
export function costText(book: Pick<BookView, 'costUsd' | 'estimateUsd' | 'maxCostUsd'>): string {
  const spent = book.costUsd === undefined ? '—' : formatUsd(book.costUsd);
  const estimate = book.estimateUsd === undefined ? 'no estimate' : `${formatUsd(book.estimateUsd)} estimated`;
  const cap = book.maxCostUsd === undefined ? '' : ` (cap ${formatUsd(book.maxCostUsd)})`;
  return `${spent} of ${estimate}${cap}`;
}

function similarityText(book: BookView): string {
  if (book.similarity === undefined) return '—';
  return `min ${book.similarity.min.toFixed(3)} · mean ${book.similarity.mean.toFixed(3)}`;
}

function retriesText(retries: Record<string, number>): string {
  const entries = Object.entries(retries);
  return entries.length === 0 ? 'none' : entries.map(([reason, n]) => `${reason} ${n}`).join(', ');
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{display:flex;justify-content:space-between;align-items:center;padding:.6rem 1.2rem;background:#1d2430;color:#fff}
header a{color:#fff;text-decoration:none;margin-left:1rem}
main{padding:1rem 1.2rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{font-weight:600;font-size:12px;color:#5b6472}
progress{width:9rem;vertical-align:middle}
.muted{color:#6b7380;font-size:12px}
.state{display:inline-block;padding:0 .45rem;border-radius:.6rem;background:#e3e6ea;font-size:12px}
.state-done{background:#d3f2dc}.state-failed,.state-over-budget{background:#fbd5d5}.state-cancelled{background:#eee;color:#666}
.state-narrating,.state-finalizing,.state-encoding{background:#d8e7fb}
.reason{color:#9b1c1c;max-width:28rem;word-break:break-word}
.actions form{display:inline}
.actions button{margin-right:.4rem}
dl{display:grid;grid-template-columns:10rem 1fr;gap:.25rem .8rem;background:#fff;padding:.8rem;border:1px solid #e3e6ea}
dt{color:#5b6472}dd{margin:0}
ol.chapters li{margin:.35rem 0;background:#fff;padding:.4rem .6rem;border:1px solid #e3e6ea}
.chapter-title{font-weight:600;margin-right:.5rem}
audio{vertical-align:middle;height:2rem}
footer{padding:.5rem 1.2rem}
nav#pager{margin:.6rem 0}nav#pager .where{margin:0 .8rem}
#search input{width:20rem}
`;

// Live updates: one EventSource; each message is { partId: html }. A part is replaced only when its
// data-v differs, so unchanged rows (and playing audio) stay untouched. The HTML was escaped on the server.
const SCRIPT = `
(() => {
  const script = document.currentScript;
  const status = document.getElementById('live-status');
  const source = new EventSource(script.dataset.events);
  const versionOf = (html) => { const m = /data-v="([^"]*)"/.exec(html); return m ? m[1] : ''; };
  source.addEventListener('parts', (event) => {
    const parts = JSON.parse(event.data);
    for (const [id, html] of Object.entries(parts)) {
      const el = document.getElementById(id);
      if (el && el.dataset.v !== versionOf(html)) el.outerHTML = html;
    }
    status.textContent = 'live · updated ' + new Date().toLocaleTimeString();
  });
  source.addEventListener('gone', () => { status.textContent = 'this book is no longer in Redis'; source.close(); });
  // A refused stream (503: too many open pages) closes for good; a dropped one reconnects by itself.
  source.onerror = () => { status.textContent = source.readyState === EventSource.CLOSED ? 'live updates unavailable: reload the page later' : 'reconnecting…'; };
})();
`;
