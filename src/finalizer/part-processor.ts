import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { readBookRecord, STOPPED_STATES } from '../queue/book-record.js';
import { parentHasFailed } from '../queue/keys.js';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { coerceError, isRetryable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PartJobData, PartResult, SynthesizeResult } from '../contracts/job-data.js';
import { dirOutputs, type OpenBookOutput } from '../store/open-book-output.js';
import type { SegmentStore } from '../store/segment-store.js';
import { chapterFileIfComplete } from './chapter-files.js';
import { encodePart } from './encode-part.js';
import { diskFullFailure } from './disk-full.js';

/**
 * The BullMQ processor of a part's `encode` job: runs once every chunk of the part is stored, on
 * whichever worker is free, while the rest of the book is still being narrated. A worker that dies
 * mid-encode leaves only a scratch file; the job comes back after one lock period and is encoded again.
 */
export function partProcessor(deps: { store: SegmentStore; logger: Logger; encode: Queue; outputs?: OpenBookOutput; prefix?: string }) {
  const outputs = deps.outputs ?? dirOutputs;
  return async (job: Job<PartJobData, PartResult>, _token?: string, signal?: AbortSignal): Promise<PartResult> => {
    // A book that failed (another part met a full disk), or was cancelled, has its other parts
    // still queued: BullMQ fails the parent, not the siblings. They are not encoded (a retry adds
    // them again), so nothing is written for a book that has stopped.
    // The book's own job is failed by BullMQ in the same step as the part that failed it; a
    // cancelled book says so in its record.
    const client = (await deps.encode.client) as unknown as Redis;
    if (job.parent && (await parentHasFailed(deps.encode, job.parent))) throw new UnrecoverableError(`part ${job.data.part}: not encoded, the book has failed`);
    if (deps.prefix !== undefined) {
      const record = await readBookRecord(client, deps.prefix, job.data.book.bookId);
      if (record && STOPPED_STATES.includes(record.state)) throw new UnrecoverableError(`part ${job.data.part}: not encoded, the book is ${record.state}`);
    }
    const values = await job.getChildrenValues<SynthesizeResult>();
    try {
      const result = await encodePart(job.data, Object.values(values), deps.store, signal, outputs);
      deps.logger.debug({ bookId: job.data.book.bookId, part: job.data.part, samples: result.samples }, 'part encoded');
      // A chapter's file is a convenience for listeners: the book writes any that are missing. The
      // book's last part leaves its chapter to the book, which copies it alongside the book itself.
      if (result.file && !job.data.last) {
        await chapterFileIfComplete(deps.encode, job.data, result, BOOK_FORMAT.sampleRate, deps.logger, outputs, signal).catch((error: unknown) =>
          deps.logger.warn({ bookId: job.data.book.bookId, chapter: job.data.chapter, err: coerceError(error).message }, 'chapter file left to the book'),
        );
      }
      return result;
    } catch (thrown) {
      const error = coerceError(thrown);
      const what = `part ${job.data.part} (chapter ${job.data.chapter + 1})`;
      const full = await diskFullFailure(error, job.data.book, outputs, what);
      if (full) throw full;
      if (!isRetryable(error)) throw new UnrecoverableError(`${what}: ${error.message}`);
      throw new Error(`${what}: ${error.message}`, { cause: error });
    }
  };
}
