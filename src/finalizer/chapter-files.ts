import { access, mkdir } from 'node:fs/promises';
import { Job, type Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import { partJobId } from '../queue/build-flow.js';
import type { PartJobData, PartResult } from '../queue/job-data.js';
import { assembleParts } from './assemble-parts.js';
import { bookPaths } from './book-paths.js';
import { codecOf } from './codecs.js';

/** Samples → ms at the book's rate. */
const ms = (samples: number, rate: number) => (samples * 1000) / rate;

/**
 * Writes a chapter's own file from its encoded parts (stream copy), tagged with the chapter's title
 * and its number as the track. Idempotent: the file is renamed into place whole.
 */
export async function writeChapterFile(
  part: PartJobData,
  parts: readonly PartResult[],
  chapters: number,
  rate: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const codec = codecOf(part.book.format);
  if (!codec) return undefined;
  const paths = bookPaths(part.book, codec.extension);
  const file = paths.chapterFile(part.chapter, part.chapterTitle, chapters);
  await mkdir(paths.chaptersDir, { recursive: true });
  const total = parts.reduce((n, p) => n + p.samples, 0);
  await assembleParts({
    codec,
    parts: parts.map((p) => p.file!),
    output: file,
    tags: { title: part.chapterTitle, album: part.book.title, artist: part.book.author, album_artist: part.book.author, genre: 'Audiobook', track: `${part.chapter + 1}/${chapters}` },
    chapters: [{ title: part.chapterTitle, startMs: 0, endMs: ms(total, rate) }],
    ...(signal ? { signal } : {}),
  });
  return file;
}

/**
 * After a part is encoded: if every part of its chapter is now done, write the chapter's file. The
 * last part of a chapter to complete sees all the others completed (completion is ordered in
 * Redis), so some worker always writes it; two may, harmlessly. If that worker dies first, the book
 * writes the missing chapter files before it is assembled.
 */
export async function chapterFileIfComplete(encode: Queue, part: PartJobData, rate: number, logger: Logger): Promise<void> {
  const { first, last } = part.chapterParts;
  const jobs = await Promise.all(
    Array.from({ length: last - first + 1 }, (_, i) => Job.fromId<PartJobData, PartResult>(encode, partJobId(part.book.bookId, first + i))),
  );
  if (!jobs.every((j) => j?.finishedOn !== undefined && j.returnvalue && j.failedReason === undefined)) return;
  const results = jobs.map((j) => j!.returnvalue);
  if (results.some((r) => !r.file)) return;
  try {
    await Promise.all(results.map((r) => access(r.file!)));
  } catch {
    return; // the book was assembled and its parts removed meanwhile: the chapter file exists
  }
  const file = await writeChapterFile(part, results, part.chapters, rate);
  logger.info({ bookId: part.book.bookId, chapter: part.chapter, file }, 'chapter ready');
}
