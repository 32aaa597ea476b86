import { Job, type Queue } from 'bullmq';
import { bookNames } from '../finalizer/book-paths.js';
import { codecOf } from '../finalizer/codecs.js';
import { outputLocation } from '../store/book-output.js';
import { partJobId } from '../queue/build-flow.js';
import { countProcessedChildren } from '../queue/keys.js';
import { ENCODE_QUEUE } from '../queue/names.js';
import type { FinalizeJobData, FinalizeResult, PartJobData, PartResult, SynthesizeResult } from '../contracts/job-data.js';

/** Where one chapter of a book stands. */
export interface ChapterProgress {
  /** 0-based. */
  chapter: number;
  title: string;
  /**
   * waiting: no chunk stored yet; narrating: some stored; encoding: every chunk stored, parts still
   * encoding; done: every part encoded (its file is written as soon as that happens); failed.
   */
  state: 'waiting' | 'narrating' | 'encoding' | 'done' | 'failed';
  chunksDone: number;
  chunksTotal: number;
  partsDone: number;
  partsTotal: number;
  /** The chapter's own file (encoded formats only): present once `state` is done. */
  file?: string;
}

/**
 * Each chapter's progress, read from the book's parts in Redis; undefined when there is no such
 * book. For `narrate status`, the manifest's readers and the dashboard's book page.
 */
export async function readChapterProgress(queues: { finalize: Queue; encode: Queue }, bookId: string): Promise<ChapterProgress[] | undefined> {
  const book = await Job.fromId<FinalizeJobData, FinalizeResult>(queues.finalize, bookId);
  if (!book) return undefined;
  const parts = book.data.parts ?? [];
  const ids = parts.map((p) => partJobId(bookId, p.part));
  const [jobStates, processed] = await Promise.all([Promise.all(ids.map((id) => queues.encode.getJobState(id))), countProcessedChildren(queues.encode, ENCODE_QUEUE, ids)]);
  const states = ids.map((_, i) => ({ state: jobStates[i]!, stored: processed[i]! }));
  const codec = codecOf(book.data.format, book.data.finish);
  const names = codec ? bookNames(book.data, codec.extension) : undefined;
  return book.data.chapters.map((c, chapter) => {
    const own = parts.map((p, i) => ({ p, s: states[i]! })).filter(({ p }) => p.chapter === chapter);
    const chunksTotal = own.reduce((n, { p }) => n + p.to - p.from, 0);
    const chunksDone = own.reduce((n, { s }) => n + s.stored, 0);
    const partsDone = own.filter(({ s }) => s.state === 'completed').length;
    const state: ChapterProgress['state'] = own.some(({ s }) => s.state === 'failed')
      ? 'failed'
      : partsDone === own.length
        ? 'done'
        : chunksDone === chunksTotal
          ? 'encoding'
          : chunksDone > 0
            ? 'narrating'
            : 'waiting';
    return {
      chapter,
      title: c.title,
      state,
      chunksDone,
      chunksTotal,
      partsDone,
      partsTotal: own.length,
      ...(state === 'done' && names ? { file: outputLocation(book.data.outDir, names.chapterFile(chapter, c.title, book.data.chapters.length)) } : {}),
    };
  });
}

/** The results of a book's stored chunks, in book order: from encoded parts, and from parts still waiting. */
export async function readChunkResults(queues: { finalize: Queue; encode: Queue }, bookId: string): Promise<SynthesizeResult[]> {
  const book = await Job.fromId<FinalizeJobData, FinalizeResult>(queues.finalize, bookId);
  if (!book) return [];
  const lists = await Promise.all(
    (book.data.parts ?? []).map(async (p) => {
      const job = await Job.fromId<PartJobData, PartResult>(queues.encode, partJobId(bookId, p.part));
      if (!job) return [];
      if (job.returnvalue) return job.returnvalue.chunks;
      return Object.values(await job.getChildrenValues<SynthesizeResult>());
    }),
  );
  return lists.flat().sort((a, b) => a.index - b.index);
}
