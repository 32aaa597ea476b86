import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { etaMs, withRecord, type BookView } from '../../../src/dashboard/book-view.js';
import type { BookRecord } from '../../../src/queue/book-record.js';
import { createCsrf, readCookie } from '../../../src/dashboard/csrf.js';
import { escapeHtml } from '../../../src/dashboard/escape-html.js';
import { costText, etaText, listParts, pageHtml } from '../../../src/dashboard/render-books.js';
import { changedParts } from '../../../src/dashboard/live-books.js';

describe('Books page: pure parts', () => {
  it('estimates time left from the rate so far', () => {
    expect(etaMs(0, 10, 0, 5_000)).toBeUndefined();
    expect(etaMs(10, 10, 0, 5_000)).toBeUndefined();
    // 2 chunks in 10 s: 8 left take 40 s.
    expect(etaMs(2, 10, 1_000, 11_000)).toBe(40_000);
    expect(etaText({ etaMs: 40_000 })).toBe('40 s');
    expect(etaText({ etaMs: 3_725_000 })).toBe('1 h 2 min');
  });

  it('escapes every markup character', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('never rescans an inserted title for placeholders or replacement patterns', () => {
    const book = { bookId: 'b-1', title: "{{books}} $& $' <i>", state: 'done', createdAt: 0, chunksDone: 1, chunksTotal: 1, chapters: [], chaptersDone: 0, retriesByReason: {} };
    const paths = { books: '/books', bullBoard: '/' };
    const html = pageHtml({ title: 't', heading: 'h', parts: listParts([book], { paths, csrfToken: 'tok' }).parts, layout: '{{books}}', paths, nonce: 'n', eventsUrl: '/books/events' });
    expect(html).toContain("{{books}} $&amp; $&#39; &lt;i&gt;");
    expect(html).not.toContain('<i>');
  });
});

describe('Books page: the book record and the jobs together', () => {
  const record: BookRecord = { bookId: 'b-1', title: 'T', author: '', state: 'narrating', chunksDone: 3, chunksTotal: 10, costUsd: 0.5, rejectedCostUsd: 0, rejectedReadings: 0, estimateUsd: 2, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '', sources: [], reason: 'cancelled by narrate cancel' };
  const view: BookView = { bookId: 'b-1', title: 'T', state: 'narrating', createdAt: 0, chunksDone: 4, chunksTotal: 10, chapters: [], chaptersDone: 0, retriesByReason: { unfaithful: 1 }, similarity: { min: 0.9, mean: 0.95 } };

  it('takes cancelled and over-budget, cost and estimate from the record, progress from whichever is further', () => {
    const created = Date.parse(record.createdAt);
    const merged = withRecord(view, { ...record, state: 'cancelled' }, created + 4_000);
    expect(merged).toMatchObject({ state: 'cancelled', chunksDone: 4, costUsd: 0.5, estimateUsd: 2, reason: 'cancelled by narrate cancel', retriesByReason: { unfaithful: 1 } });
    expect(merged.etaMs).toBeUndefined();
    const running = withRecord(view, record, created + 4_000);
    expect(running.etaMs).toBe(6_000);
    expect(running.reason).toBeUndefined();
    // Jobs that ended while the record still says running: the jobs win.
    expect(withRecord({ ...view, state: 'failed', reason: 'HTTP 401' }, record, created).reason).toBe('HTTP 401');
    expect(withRecord(undefined, { ...record, state: 'done', output: '/out/t.m4b' }, created).audioFile).toBe('/out/t.m4b');
    expect(costText({ costUsd: 0.5, estimateUsd: 2, maxCostUsd: 3 })).toBe('$0.5000 of $2.00 estimated (cap $3.00)');
    expect(costText({})).toBe('— of no estimate');
  });
});

describe('Books page: CSRF tokens', () => {
  const fakeRes = () => {
    const cookies: string[] = [];
    return { cookies, res: { append: (_: string, v: string) => cookies.push(v) } as unknown as Response };
  };
  const req = (cookie: string | undefined, body: Record<string, string> = {}, header?: string) =>
    ({ headers: cookie === undefined ? {} : { cookie }, body, get: (name: string) => (name === 'x-csrf-token' ? header : undefined) }) as unknown as Request;

  it('accepts only the token signed for the same cookie, under the same secret', () => {
    const csrf = createCsrf();
    const { cookies, res } = fakeRes();
    const token = csrf.token(req(undefined), res);
    expect(cookies[0]).toMatch(/^narrate_csrf=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const cookie = cookies[0]!.split(';')[0]!;
    expect(csrf.verify(req(cookie, { csrf: token }))).toBe(true);
    expect(csrf.verify(req(cookie, {}, token))).toBe(true);
    expect(csrf.verify(req(cookie, {}))).toBe(false);
    expect(csrf.verify(req(undefined, { csrf: token }))).toBe(false);
    expect(csrf.verify(req('narrate_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { csrf: token }))).toBe(false);
    expect(csrf.verify(req(cookie, { csrf: `${token}x` }))).toBe(false);
    expect(createCsrf().verify(req(cookie, { csrf: token }))).toBe(false);
    // An existing valid cookie is kept, not replaced.
    const again = fakeRes();
    expect(csrf.token(req(cookie), again.res)).toBe(token);
    expect(again.cookies).toEqual([]);
  });

  it('reads one cookie out of a header', () => {
    expect(readCookie('a=1; narrate_csrf=xyz ; b=2', 'narrate_csrf')).toBe('xyz');
    expect(readCookie('a=1', 'narrate_csrf')).toBeUndefined();
    expect(readCookie(undefined, 'narrate_csrf')).toBeUndefined();
  });
});

describe('live updates: what a stream is sent', () => {
  const book = (id: string, chunksDone: number): BookView => ({ bookId: id, title: id, state: 'narrating', createdAt: 0, chunksDone, chunksTotal: 10, chapters: [], chaptersDone: 0, retriesByReason: {} });
  const ctx = { paths: { books: '/books', bullBoard: '/' }, csrfToken: 't' };

  it('sends the whole table first, then only the rows that changed, and the table again when books come or go', () => {
    const sent = new Map<string, string>();
    const first = changedParts(sent, listParts([book('a', 1), book('b', 1)], ctx));
    expect(Object.keys(first)).toEqual(['damaged', 'books']);
    expect(changedParts(sent, listParts([book('a', 1), book('b', 1)], ctx))).toEqual({});
    expect(Object.keys(changedParts(sent, listParts([book('a', 1), book('b', 2)], ctx)))).toEqual(['book-b']);
    expect(Object.keys(changedParts(sent, listParts([book('a', 1), book('b', 2), book('c', 0)], ctx)))).toEqual(['books']);
    expect(Object.keys(changedParts(sent, listParts([book('a', 1), book('c', 0)], ctx)))).toEqual(['books']);
    expect(changedParts(sent, listParts([book('a', 1), book('c', 0)], ctx))).toEqual({});
  });
});
