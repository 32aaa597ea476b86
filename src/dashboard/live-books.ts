import type { Request, Response } from 'express';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { partVersion, type Parts } from './render-books.js';

/** A page of the list of books: which page, of which title search. */
export interface ListTopic {
  kind: 'list';
  page: number;
  search?: string;
}

/** What a live page follows: a page of the list of books, or one book. */
export type LiveTopic = ListTopic | { kind: 'book'; bookId: string };

/** The same key for every browser on the same page of the same search: each is polled once a tick. */
export function listTopicKey(topic: ListTopic): string {
  return JSON.stringify([topic.page, topic.search ?? '']);
}

/** A page's parts, and which parts hold others (sending a holder sends what it holds). */
export interface LiveParts {
  parts: Parts;
  children?: Record<string, readonly string[]>;
}

/** What one poll found: each list page asked for (by listTopicKey), and each book asked for (`gone`: no longer in Redis; `unreadable`: try next tick). */
export interface LiveSnapshot {
  lists: ReadonlyMap<string, LiveParts>;
  books: ReadonlyMap<string, LiveParts | 'gone' | 'unreadable'>;
}

/** How the live pages are fed. */
export interface LiveBooksOptions {
  /** Reads everything the open streams follow, once: each list page open (however many browsers show it), and each followed book. */
  poll(need: { lists: readonly ListTopic[]; bookIds: readonly string[] }): Promise<LiveSnapshot>;
  /** Time between polls, in ms. */
  intervalMs: number;
  /** Streams held at once; one more is refused. */
  maxStreams: number;
  logger?: Logger;
}

/** Every live page of a dashboard, fed by one poll. */
export interface LiveBooks {
  /**
   * Starts a server-sent-events stream of `topic` on `res`; `personalize` turns the shared parts'
   * JSON into this browser's (its CSRF token). False when the cap is reached: nothing was written.
   */
  open(req: Request, res: Response, topic: LiveTopic, personalize: (json: string) => string): boolean;
  /** Streams open now. */
  readonly size: number;
  /** Polls made so far (one per tick while any stream is open, however many there are). */
  readonly polls: number;
  /** Ends every stream and stops polling. Safe to call twice. */
  close(): void;
}

interface Stream {
  res: Response;
  topic: LiveTopic;
  personalize: (json: string) => string;
  /** Version of each part as this browser last got it. */
  sent: Map<string, string>;
  quietSince: number;
  stop(): void;
}

// Proxies drop a connection silent for a minute or so: a comment every 15 s keeps it open.
const KEEPALIVE_MS = 15_000;

/**
 * One timer for every live page: each tick reads the books once (each open page of the list once
 * whatever the number of browsers on it, each followed book once), and sends each stream only the
 * parts that changed since it last got them: the rows of the books that changed. Polling stops
 * while no page is open.
 */
export function liveBooks(options: LiveBooksOptions): LiveBooks {
  const streams = new Set<Stream>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let polls = 0;
  let closed = false;

  const schedule = (delay: number): void => {
    if (timer !== undefined || polling || closed || streams.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void tick();
    }, delay);
  };

  const tick = async (): Promise<void> => {
    if (streams.size === 0 || closed) return;
    polling = true;
    try {
      const bookIds = [...new Set([...streams].flatMap((s) => (s.topic.kind === 'book' ? [s.topic.bookId] : [])))];
      const lists = new Map<string, ListTopic>();
      for (const s of streams) if (s.topic.kind === 'list') lists.set(listTopicKey(s.topic), s.topic);
      polls++;
      const snapshot = await options.poll({ lists: [...lists.values()], bookIds });
      for (const stream of [...streams]) deliver(stream, snapshot);
    } catch (error) {
      // Redis restarting: pages keep what they show and the next tick tries again.
      options.logger?.warn({ err: coerceError(error).message }, 'dashboard: reading books for the live pages failed');
    } finally {
      polling = false;
    }
    schedule(options.intervalMs);
  };

  const deliver = (stream: Stream, snapshot: LiveSnapshot): void => {
    const found = stream.topic.kind === 'list' ? snapshot.lists.get(listTopicKey(stream.topic)) : snapshot.books.get(stream.topic.bookId);
    if (found === undefined || found === 'unreadable') return;
    if (found === 'gone') {
      stream.res.write('event: gone\ndata: {}\n\n');
      stream.stop();
      return;
    }
    const changed = changedParts(stream.sent, found);
    if (Object.keys(changed).length > 0) {
      stream.quietSince = Date.now();
      stream.res.write(`event: parts\ndata: ${stream.personalize(JSON.stringify(changed))}\n\n`);
    } else if (Date.now() - stream.quietSince > KEEPALIVE_MS) {
      stream.quietSince = Date.now();
      stream.res.write(': still here\n\n');
    }
  };

  return {
    open(req, res, topic, personalize) {
      if (closed || streams.size >= options.maxStreams) return false;
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
      res.write('retry: 2000\n\n');
      const stream: Stream = {
        res,
        topic,
        personalize,
        sent: new Map(),
        quietSince: Date.now(),
        stop() {
          streams.delete(stream);
          if (!res.writableEnded) res.end();
        },
      };
      streams.add(stream);
      // The response closes when the browser goes away (tab closed, navigation, network lost).
      res.on('close', () => stream.stop());
      // A new page gets its first update at the next tick, or now when none is due.
      schedule(0);
      return true;
    },
    get size() {
      return streams.size;
    },
    get polls() {
      return polls;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      for (const stream of [...streams]) stream.stop();
    },
  };
}

/**
 * The parts whose version differs from what `sent` says the browser has, and records them as sent.
 * A holder that changed is sent whole, and what it holds counts as sent with it. Parts no longer
 * there are forgotten.
 */
export function changedParts(sent: Map<string, string>, live: LiveParts): Parts {
  const changed: Parts = {};
  const covered = new Set<string>();
  for (const [id, html] of Object.entries(live.parts)) {
    if (covered.has(id)) continue;
    const version = partVersion(html);
    if (sent.get(id) === version) continue;
    changed[id] = html;
    sent.set(id, version);
    for (const child of live.children?.[id] ?? []) {
      const childHtml = live.parts[child];
      if (childHtml === undefined) continue;
      covered.add(child);
      delete changed[child];
      sent.set(child, partVersion(childHtml));
    }
  }
  for (const id of [...sent.keys()]) if (!(id in live.parts)) sent.delete(id);
  return changed;
}
