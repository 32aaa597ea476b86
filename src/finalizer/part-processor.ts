import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { coerceError, isRetryable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PartJobData, PartResult, SynthesizeResult } from '../queue/job-data.js';
import { dirOutputs, type OpenBookOutput } from '../store/book-output.js';
import type { SegmentStore } from '../store/segment-store.js';
import { chapterFileIfComplete } from './chapter-files.js';
import { encodePart } from './encode-part.js';
import { diskFullMessage, isDiskFull } from './disk-full.js';
import { removeParts } from './remove-parts.js';

/**
 * The BullMQ processor of a part's `encode` job: runs once every chunk of the part is stored, on
 * whichever worker is free, while the rest of the book is still being narrated. A worker that dies
 * mid-encode leaves only a scratch file; the job comes back after one lock period and is encoded again.
 */
export function partProcessor(deps: { store: SegmentStore; logger: Logger; encode: Queue; outputs?: OpenBookOutput }) {
  const outputs = deps.outputs ?? dirOutputs;
  return async (job: Job<PartJobData, PartResult>, _token?: string, signal?: AbortSignal): Promise<PartResult> => {
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
      if (isDiskFull(error)) {
        // The book's other parts are encoded again by a retry: free their room now.
        await removeParts(job.data.book, outputs);
        throw new UnrecoverableError(`${what}: ${diskFullMessage(job.data.book.bookId, job.data.book.outDir)}`);
      }
      if (!isRetryable(error)) throw new UnrecoverableError(`${what}: ${error.message}`);
      throw new Error(`${what}: ${error.message}`, { cause: error });
    }
  };
}
