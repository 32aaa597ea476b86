import { Job, Queue } from 'bullmq';
import type { Config } from '../config.js';
import { statusOfJob, readBookStatus, type BookStatus } from '../books/book-status.js';
import type { DamagedBookRecordError } from '../queue/damaged-book-record-error.js';
import { listBookPage } from '../books/list-book-page.js';
import { chunkTotals } from '../queue/chunk-totals.js';
import { readBookRecord, type BookRecord } from '../queue/book-record.js';
import type { RedisConnection } from '../queue/connection.js';
import type { FinalizeJobData, FinalizeResult, SynthesizeResult } from '../contracts/job-data.js';
import { ENCODE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../queue/names.js';
import { readChapterProgress, readChunkResults, type ChapterProgress } from '../books/chapter-progress.js';
import type { CliIo } from './io.js';
import { bookCostLine, fleetNotes } from './fleet-notes.js';
import { printable, printableMessage } from './printable.js';
import { jsonArrayWriter } from './json-array-writer.js';
import { nextPageHint, parseListingFlags, type ListingFlags } from './listing-flags.js';
import { UsageError } from '../errors.js';
import { withRedis } from './with-redis.js';

/**
 * `narrate status [bookId] [--state S] [--limit N|all] [--after ID] [--json]`: a page of books' progress
 * (oldest first, the next page's command on stderr), or one book in detail. 1 when the book is unknown.
 */
export async function statusCommand(bookId: string | undefined, flags: ListingFlags, config: Config, io: CliIo): Promise<number> {
  const listing = parseListingFlags(flags);
  if (bookId !== undefined && (flags.limit !== undefined || flags.state !== undefined || flags.after !== undefined || flags.json)) {
    throw new UsageError('--limit, --state, --after and --json page the list of books: give them without a bookId, or give the bookId alone');
  }
  return withRedis(config, 'narrate-status', async ({ redis: connection, queues }) => {
    if (bookId === undefined) {
      const onDamaged = (error: DamagedBookRecordError): void => void io.stderr.write(`skipped: ${printable(error.message)}\n`);
      const json = flags.json === true ? jsonArrayWriter(io.stdout) : undefined;
      let after = listing.after;
      let listed = 0;
      for (;;) {
        const page = await listBookPage(connection, config.prefix, { limit: listing.limit, onDamaged, ...(listing.state === undefined ? {} : { state: listing.state }), ...(after === undefined ? {} : { after }) });
        // The page's books read together: their round trips overlap on the one connection.
        const statuses = await Promise.all(page.books.map((record) => statusOfRecord(queues.of<FinalizeJobData, FinalizeResult>(FINALIZE_QUEUE, record.bookId), queues.of(SYNTHESIZE_QUEUE, record.bookId), record)));
        for (const status of statuses) {
          if (json) json.write(status);
          else io.stdout.write(`${formatLine(status)}\n`);
          listed++;
        }
        if (page.next !== undefined && listing.all) {
          after = page.next;
          continue;
        }
        json?.end();
        if (page.next !== undefined) io.stderr.write(`${nextPageHint('status', listing, page.next, json !== undefined)}\n`);
        break;
      }
      if (json) return 0;
      if (listed === 0) io.stdout.write(`no books${listing.state ? ` in state ${listing.state}` : ''}${listing.after ? ` after ${printable(listing.after)}` : ''} under prefix "${config.prefix}"\n`);
      io.stdout.write(`${(await fleetNotes(connection, config)).join('\n')}\n`);
      return 0;
    }
    // The book's shard's queues.
    const finalize = queues.of<FinalizeJobData, FinalizeResult>(FINALIZE_QUEUE, bookId);
    const synthesize = queues.of(SYNTHESIZE_QUEUE, bookId);
    const encode = queues.of(ENCODE_QUEUE, bookId);
    const found = await readBookStatus(finalize, synthesize, bookId);
    const status = found && (await withRecordState(connection, config.prefix, found));
    if (!status) {
      io.stderr.write(`no book "${printable(bookId)}" under prefix "${config.prefix}" (see \`narrate status\` for the list)\n`);
      return 1;
    }
    io.stdout.write(`${formatLine(status)}\n`);
    // Where the manifest went too (a path, or an s3:// URL for --out s3://).
    if (status.state === 'done') {
      const job = (await finalize.getJob(bookId)) as Job<FinalizeJobData, FinalizeResult> | undefined;
      if (job?.returnvalue?.manifest) io.stdout.write(`  manifest: ${printable(job.returnvalue.manifest)}\n`);
    }
    const values = await readChunkResults({ finalize, encode }, bookId);
    if (values.length > 0) io.stdout.write(summarize(values));
    io.stdout.write(formatChapters((await readChapterProgress({ finalize, encode }, bookId)) ?? []));
    const cost = await bookCostLine(connection, config.prefix, bookId);
    if (cost) io.stdout.write(`${cost}\n`);
    io.stdout.write(`${(await fleetNotes(connection, config)).join('\n')}\n`);
    return 0;
  });
}

/**
 * A listed book's status: what its jobs say, with the record's word on cancelled and over-budget
 * (see withRecordState); a book whose jobs are gone (removed by hand) as its record says.
 */
async function statusOfRecord(finalize: Queue<FinalizeJobData, FinalizeResult>, synthesize: Queue, record: BookRecord): Promise<BookStatus> {
  const job = await Job.fromId<FinalizeJobData, FinalizeResult>(finalize, record.bookId);
  if (!job?.data?.bookId) {
    const base: BookStatus = { bookId: record.bookId, title: record.title, state: record.state, chunksDone: record.chunksDone, chunksTotal: record.chunksTotal };
    if (record.reason !== undefined) base.reason = record.reason;
    if (record.output !== undefined) base.output = record.output;
    return base;
  }
  return overlayRecord(await statusOfJob(job, synthesize), record);
}

/**
 * BullMQ knows a cancelled or over-budget book only as failed: the book record (narrate cancel, the
 * budget check) says which it is and why, as `narrate list` shows it.
 */
async function withRecordState(redis: RedisConnection, prefix: string, status: BookStatus): Promise<BookStatus> {
  return overlayRecord(status, await readBookRecord(redis, prefix, status.bookId));
}

function overlayRecord(status: BookStatus, record: BookRecord | undefined): BookStatus {
  if (record?.state !== 'cancelled' && record?.state !== 'over-budget') return status;
  return { ...status, state: record.state, ...(record.reason ? { reason: record.reason } : {}) };
}

function formatLine(s: BookStatus): string {
  const tail = s.state === 'done' ? `  ${printable(s.output ?? '')}` : s.state === 'failed' || s.state === 'cancelled' || s.state === 'over-budget' ? `  ${printable(s.reason ?? '')}` : '';
  return `${printable(s.bookId)}\t${s.state}\t${s.chunksDone}/${s.chunksTotal} chunks\t${printable(s.title)}\t${printable(s.language ?? 'en')}${tail}`;
}

/** Chunks done, model calls, retries by reason, similarity: the numbers that say whether to trust the book. */
function summarize(results: SynthesizeResult[]): string {
  const t = chunkTotals(results);
  const lines = [
    `  chunks done: ${t.chunks} (${t.cachedChunks} from the store)`,
    `  model calls: ${t.modelCalls}`,
    `  retries by reason: ${Object.entries(t.retriesByReason).map(([k, v]) => `${printable(k)} ${v}`).join(', ') || 'none'}`,
    `  similarity: min ${t.similarity.min.toFixed(3)}, mean ${t.similarity.mean.toFixed(3)}`,
  ];
  if (t.unalignedChunks) {
    const why = results.find((r) => r.unaligned !== undefined)?.unaligned ?? '';
    lines.push(`  without sentence timings: chunk ${t.unalignedChunks.join(', ')} (${printable(why)}; kept, not bought again; their sentences are missing from captions and the read-along)`);
  }
  return `${lines.join('\n')}\n`;
}

/** One line per chapter: its state, chunks stored, and its file once encoded (usable before the book is done). */
function formatChapters(chapters: ChapterProgress[]): string {
  if (chapters.length === 0) return '';
  const done = chapters.filter((c) => c.state === 'done').length;
  const lines = [`  chapters done: ${done}/${chapters.length}`];
  const width = String(chapters.length).length;
  for (const c of chapters) {
    lines.push(`    ${String(c.chapter + 1).padStart(width)} ${c.state.padEnd(9)} ${c.chunksDone}/${c.chunksTotal} chunks  ${printable(c.title)}${c.file ? `  ${printable(c.file)}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
