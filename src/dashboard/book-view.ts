import { Job, type Queue } from 'bullmq';
import type { RedisConnection as Redis } from '../queue/connection.js';
import { FINISHED_STATES, readBookRecord, type BookRecord } from '../queue/book-record.js';
import { readBookRecords } from '../books/list-books.js';
import { statusOfJob } from '../books/book-status.js';
import { readChapterProgress, readChunkResults, type ChapterProgress } from '../books/chapter-progress.js';
import { chunkTotals, type ChunkTotals } from '../queue/chunk-totals.js';
import type { DamagedBookRecordError } from '../queue/damaged-book-record-error.js';
import type { FinalizeJobData, FinalizeResult } from '../contracts/job-data.js';

/** The queues a Books page reads: every book source plugs in here and nowhere else. */
export interface BookSources {
  finalize: Queue<FinalizeJobData, FinalizeResult>;
  synthesize: Queue;
  /** The parts of books, each encoded as its chunks are stored (chapter progress and chunk results). */
  encode: Queue;
  /** Where the book records are (src/queue/book-record.ts), and the deployment's NARRATE_PREFIX. */
  redis: Redis;
  prefix: string;
  /** The queues of the shard holding a book (NARRATE_SHARDS > 1); unset: the queues above hold every book. */
  forBook?: (bookId: string) => Pick<BookSources, 'finalize' | 'synthesize' | 'encode'>;
}

/** The queues that hold book `bookId`'s jobs. */
function queuesOf(sources: BookSources, bookId: string): Pick<BookSources, 'finalize' | 'synthesize' | 'encode'> {
  return sources.forBook?.(bookId) ?? sources;
}

/** One chapter of a book as the page shows it. */
export interface ChapterView {
  /** 0-based position in the book. */
  index: number;
  title: string;
  chunksDone: number;
  chunksTotal: number;
  /** waiting, narrating, encoding, done or failed (src/queue/chapter-progress.ts). */
  state: ChapterProgress['state'];
  done: boolean;
  /** The chapter's own audio file, once it exists (server side only: the page gets a URL). */
  audioFile?: string;
}

/** Everything the Books page shows about one book. Built by readBookView/readBookViews. */
export interface BookView {
  bookId: string;
  title: string;
  /** queued, narrating, finalizing, done, failed, unknown (and the states the book record adds). */
  state: string;
  createdAt: number;
  chunksDone: number;
  chunksTotal: number;
  chapters: ChapterView[];
  chaptersDone: number;
  /** Milliseconds left at the rate chunks have been done so far; undefined when unknown or finished. */
  etaMs?: number;
  /** USD spent so far, when the book record knows it. */
  costUsd?: number;
  /** USD expected for the whole book, when the book record knows it. */
  estimateUsd?: number;
  /** The book's spending cap in USD, when it has one. */
  maxCostUsd?: number;
  similarity?: { min: number; mean: number };
  retriesByReason: Record<string, number>;
  /** Why the book failed or stopped. */
  reason?: string;
  /** The finished book's audio file (server side only). */
  audioFile?: string;
  /** The finished book's manifest, whose sentences the read-along view shows (server side only). */
  manifestFile?: string;
}

/** Which audio of a book a request asks for: the whole book or one chapter (0-based). */
export type AudioTarget = { kind: 'book' } | { kind: 'chapter'; index: number };

/**
 * The views of `ids`, in their order: each book record with what its jobs add (chapters,
 * similarity, retries). A record that cannot be read is skipped and returned in `damaged`, so one
 * bad record never hides the others; an id with no record is left out. A quiet book (see
 * QUIET_STATES) is not read again while its record stays the same, for up to QUIET_VIEW_MS: the
 * fifty books of a page cost a live page one read of their records a tick, not one of all their jobs.
 */
export async function readBookViews(sources: BookSources, ids: readonly string[], now = Date.now()): Promise<{ views: BookView[]; damaged: DamagedBookRecordError[] }> {
  const damaged: DamagedBookRecordError[] = [];
  const records = await readBookRecords(sources.redis, sources.prefix, ids, (error) => damaged.push(error));
  let cache = quietViews.get(sources.finalize);
  if (!cache) quietViews.set(sources.finalize, (cache = new Map()));
  const quiet = cache;
  const views = await Promise.all(
    records.map(async (record) => {
      const key = JSON.stringify(record);
      const hit = quiet.get(record.bookId);
      if (hit !== undefined && hit.record === key && now - hit.readAt < QUIET_VIEW_MS) return hit.view;
      const job = await Job.fromId<FinalizeJobData, FinalizeResult>(queuesOf(sources, record.bookId).finalize, record.bookId);
      const view = await combinedView(sources, job?.data?.bookId === undefined ? undefined : job, record, now);
      if (QUIET_STATES.has(record.state) && QUIET_STATES.has(view.state)) quiet.set(record.bookId, { record: key, view, readAt: now });
      else quiet.delete(record.bookId);
      return view;
    }),
  );
  // Views of books no page shows any more are dropped once they are stale.
  for (const [id, hit] of quiet) if (now - hit.readAt >= QUIET_VIEW_MS) quiet.delete(id);
  return { views, damaged };
}

/**
 * States in which nothing changes a book's page without changing its record: queued (the first
 * chunk done marks the record) and done. Failed, cancelled and over-budget books may still have
 * encodes in flight, and running ones move with every part.
 */
const QUIET_STATES: ReadonlySet<string> = new Set(['queued', 'done']);

/** How long a quiet book's view is reused: a bound on how long a change the record does not show (a job removed by hand) takes to appear. */
const QUIET_VIEW_MS = 15_000;

// Per finalize queue (one per dashboard): each quiet book's last view, and the record it was read with.
const quietViews = new WeakMap<Queue, Map<string, { record: string; view: BookView; readAt: number }>>();

/** One book's view; undefined when there is no such book. Throws a DamagedBookRecordError for a record that cannot be read. */
export async function readBookView(sources: BookSources, bookId: string, now = Date.now()): Promise<BookView | undefined> {
  const [job, record] = await Promise.all([Job.fromId<FinalizeJobData, FinalizeResult>(queuesOf(sources, bookId).finalize, bookId), readBookRecord(sources.redis, sources.prefix, bookId)]);
  if (!job?.data?.bookId && !record) return undefined;
  return combinedView(sources, job?.data?.bookId ? job : undefined, record, now);
}

async function combinedView(sources: BookSources, job: Job<FinalizeJobData, FinalizeResult> | undefined, record: BookRecord | undefined, now: number): Promise<BookView> {
  if (job && !record) return viewOfJob(sources, job, now);
  if (!record) throw new Error('combinedView: neither job nor record');
  return withRecord(job ? await viewOfJob(sources, job, now) : undefined, record, now);
}

/**
 * The record says what only it knows (cancelled, over budget, cost, estimate, cap); the jobs say
 * what happened to the current flow. A book the record still calls running but whose jobs ended is
 * shown as the jobs say (the worker that would have written the record may have died).
 */
export function withRecord(view: BookView | undefined, record: BookRecord, now: number): BookView {
  const stopped = FINISHED_STATES.includes(record.state);
  const state = stopped || view === undefined || (view.state !== 'done' && view.state !== 'failed') ? record.state : view.state;
  const createdAt = Date.parse(record.createdAt) || view?.createdAt || 0;
  const chunksDone = Math.max(view?.chunksDone ?? 0, record.chunksDone);
  const merged: BookView = {
    bookId: record.bookId,
    title: record.title,
    state,
    createdAt,
    chunksDone,
    chunksTotal: view?.chunksTotal ?? record.chunksTotal,
    chapters: view?.chapters ?? [],
    chaptersDone: view?.chaptersDone ?? 0,
    retriesByReason: view?.retriesByReason ?? {},
    costUsd: record.costUsd,
  };
  if (record.estimateUsd !== undefined) merged.estimateUsd = record.estimateUsd;
  if (record.maxCostUsd !== undefined) merged.maxCostUsd = record.maxCostUsd;
  if (view?.similarity) merged.similarity = view.similarity;
  // A failed chunk's own reason (from its job) says more than the record's copy of the error.
  const reason = state === 'failed' ? (view?.reason ?? record.reason) : stopped ? record.reason : view?.reason;
  if (reason !== undefined) merged.reason = reason;
  const audio = view?.audioFile ?? (state === 'done' ? record.output : undefined);
  if (audio !== undefined) merged.audioFile = audio;
  const manifest = view?.manifestFile ?? (state === 'done' ? record.manifest : undefined);
  if (manifest !== undefined) merged.manifestFile = manifest;
  const eta = etaMs(chunksDone, merged.chunksTotal, createdAt, now);
  if (eta !== undefined && (state === 'narrating' || state === 'queued')) merged.etaMs = eta;
  return merged;
}

/**
 * Where the book's jobs say its audio for `target` is (a path or a bucket URL), or undefined while
 * it does not exist. Nothing in the request becomes part of it; whether it is served is
 * openServedFile's decision, against the dashboard's own folders, never the job's outDir.
 */
export async function bookAudioLocation(sources: BookSources, bookId: string, target: AudioTarget): Promise<string | undefined> {
  const job = await Job.fromId<FinalizeJobData, FinalizeResult>(queuesOf(sources, bookId).finalize, bookId);
  if (!job?.data?.bookId) return undefined;
  const view = await viewOfJob(sources, job, Date.now());
  return target.kind === 'book' ? view.audioFile : view.chapters[target.index]?.audioFile;
}

/** A book's chunk results summed, kept while its count of finished children stays the same. */
interface ResultsSummary {
  processed: number;
  totals: ChunkTotals;
}

// Per finalize queue (one per dashboard): a live page re-reads every book each second, and a long
// book's results are thousands of entries, read again only when another chunk has finished.
const summaries = new WeakMap<Queue, Map<string, ResultsSummary>>();

async function summarize(sources: BookSources, job: Job<FinalizeJobData, FinalizeResult>, processed: number): Promise<ResultsSummary> {
  let cache = summaries.get(sources.finalize);
  if (!cache) summaries.set(sources.finalize, (cache = new Map()));
  const cached = cache.get(job.data.bookId);
  if (cached && cached.processed === processed) return cached;
  const results = await readChunkResults(queuesOf(sources, job.data.bookId), job.data.bookId);
  const summary = { processed, totals: chunkTotals(results) };
  cache.set(job.data.bookId, summary);
  return summary;
}

async function viewOfJob(sources: BookSources, job: Job<FinalizeJobData, FinalizeResult>, now: number): Promise<BookView> {
  const queues = queuesOf(sources, job.data.bookId);
  const status = await statusOfJob(job, queues.synthesize);
  const [{ totals }, progress] = await Promise.all([
    summarize(sources, job, status.chunksDone),
    readChapterProgress(queues, job.data.bookId),
  ]);
  const chapters = (progress ?? []).map(chapterView);
  const createdAt = job.timestamp;
  const view: BookView = {
    bookId: status.bookId,
    title: status.title,
    state: status.state,
    createdAt,
    chunksDone: status.chunksDone,
    chunksTotal: status.chunksTotal,
    chapters,
    chaptersDone: chapters.filter((c) => c.done).length,
    retriesByReason: totals.retriesByReason,
  };
  if (totals.chunks > 0) view.similarity = totals.similarity;
  if (status.reason !== undefined) view.reason = status.reason;
  if (status.state === 'done' && status.output !== undefined) view.audioFile = status.output;
  if (status.state === 'done' && typeof job.returnvalue?.manifest === 'string') view.manifestFile = job.returnvalue.manifest;
  const eta = etaMs(status.chunksDone, status.chunksTotal, createdAt, now);
  if (eta !== undefined && (status.state === 'narrating' || status.state === 'queued')) view.etaMs = eta;
  return view;
}

/** A chapter as the page shows it, from the finisher's progress (its file only once it is done). */
function chapterView(p: ChapterProgress): ChapterView {
  const view: ChapterView = { index: p.chapter, title: p.title, chunksDone: p.chunksDone, chunksTotal: p.chunksTotal, state: p.state, done: p.state === 'done' };
  if (p.file !== undefined) view.audioFile = p.file;
  return view;
}

/**
 * Time left at the book's average rate so far (chunks done since it was submitted). Undefined
 * before the first chunk is done, when nothing is left, or when the clock says nothing has passed.
 * Pure.
 */
export function etaMs(done: number, total: number, startedAt: number, now: number): number | undefined {
  const elapsed = now - startedAt;
  if (done <= 0 || done >= total || elapsed <= 0) return undefined;
  return Math.round(((total - done) * elapsed) / done);
}
