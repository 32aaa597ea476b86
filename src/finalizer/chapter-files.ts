import { Job, type Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import { partJobId } from '../queue/build-flow.js';
import type { PartJobData, PartResult } from '../contracts/job-data.js';
import type { BookOutput } from '../store/book-output.js';
import { withBookOutput, type OpenBookOutput } from '../store/open-book-output.js';
import { assembleParts } from './assemble-parts.js';
import { bookNames } from './book-paths.js';
import { partExtension } from './part-stream.js';
import { codecOf } from './codecs.js';
import { bookTags, coverFile } from './book-tags.js';

/** Samples → ms at the book's rate. */
const ms = (samples: number, rate: number) => (samples * 1000) / rate;

/**
 * Writes a chapter's own file from its encoded parts (stream copy, the parts read back from the
 * book's output), tagged with the chapter's title and its number as the track. Idempotent: the file
 * is assembled in scratch and published whole. Returns where it is (a path or an s3:// URL).
 */
export async function writeChapterFile(
  part: PartJobData,
  parts: readonly PartResult[],
  chapters: number,
  rate: number,
  out: BookOutput,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const codec = codecOf(part.book.format, part.book.finish);
  const names = bookNames(part.book, codec.extension);
  const name = names.chapterFile(part.chapter, part.chapterTitle, chapters);
  const scratch = await out.scratchPath(name);
  const total = parts.reduce((n, p) => n + p.samples, 0);
  const cover = await coverFile(part.book, out);
  await assembleParts({
    codec,
    parts: parts.map((p) => names.partFile(p.part, partExtension(codec))),
    read: (n) => out.read(n),
    output: scratch,
    samples: total,
    tags: { ...bookTags(part.book, codec.format), title: part.chapterTitle, track: `${part.chapter + 1}/${chapters}` },
    ...(cover ? { cover } : {}),
    chapters: [{ title: part.chapterTitle, startMs: 0, endMs: ms(total, rate) }],
    ...(signal ? { signal } : {}),
  });
  return out.publish(scratch, name);
}

/**
 * Inside a part's job, once it is encoded: if every other part of its chapter is already encoded,
 * write the chapter's file now, so it is there before the book is. Two last parts finishing at the
 * same moment may each see the other still running and leave it: the book then writes the file
 * before it is assembled, as it does for any chapter file that is missing.
 */
export async function chapterFileIfComplete(encode: Queue, part: PartJobData, own: PartResult, rate: number, logger: Logger, outputs: OpenBookOutput, signal?: AbortSignal): Promise<void> {
  const { first, last } = part.chapterParts;
  const results: PartResult[] = [];
  for (let p = first; p <= last; p++) {
    if (p === part.part) {
      results.push(own);
      continue;
    }
    const job = await Job.fromId<PartJobData, PartResult>(encode, partJobId(part.book.bookId, p));
    if (!job?.returnvalue?.file || job.failedReason !== undefined) return;
    results.push(job.returnvalue);
  }
  const file = await withBookOutput(outputs, part.book.outDir, (out) => writeChapterFile(part, results, part.chapters, rate, out, signal));
  logger.info({ bookId: part.book.bookId, chapter: part.chapter, file }, 'chapter ready');
}
