import { describe, expect, it } from 'vitest';
import { planParts } from '../../../src/finalizer/plan-parts.js';
import { buildFlow, chunkJobId, enqueueJobId, partFlow, partJobId, partsOf, type StoredBook } from '../../../src/queue/build-flow.js';
import type { EnqueueJobData, PartJobData, SynthesizeJobRef } from '../../../src/contracts/job-data.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../../src/queue/names.js';

/** A book of `chunks` chunks of 600 characters, a new chapter every `perChapter`, its texts in the store (part i's under key `part-i`). */
function plan(chunks: number, perChapter = chunks): StoredBook & { finalize: StoredBook['stored']['finalize'] } {
  const bookId = 'tale-abc';
  const list = Array.from({ length: chunks }, (_, index) => ({
    index,
    chapter: Math.floor(index / perChapter),
    pauseAfter: (index % perChapter === perChapter - 1 ? 'chapter' : 'paragraph') as 'chapter' | 'paragraph',
    text: 'x'.repeat(600),
  }));
  const finalize: StoredBook['stored']['finalize'] = {
      bookId,
      title: 'Tale',
      author: 'Anon',
      voice: 'alloy',
      format: 'm4b',
      outDir: '/tmp/out',
      slug: 'tale',
      chapters: Array.from({ length: Math.ceil(chunks / perChapter) }, (_, i) => ({ title: `Chapter ${i + 1}` })),
      chunks: list.map(({ index, chapter, pauseAfter }) => ({ index, chapter, pauseAfter })),
      parts: planParts(list),
      sources: ['tale.txt'],
      language: 'en',
      finish: { loudness: 'off', narrator: 'alloy', credits: false, split: false },
      submittedAt: '2026-11-24T00:00:00.000Z',
  };
  return { plan: 'plan-key', stored: { finalize, parts: finalize.parts.map((p) => `part-${p.part}`) }, finalize };
}

const retry = { attempts: 4, backoffMs: 500 };

describe('buildFlow', () => {
  it('nests parts → chunks as admission adds them: every chunk under the part that encodes it', () => {
    const p = plan(20, 8);
    const parts = partsOf(p.stored).map((part) => partFlow(part, '{p}', retry));
    expect(parts.every((c) => c.queueName === ENCODE_QUEUE)).toBe(true);
    expect(parts.map((c) => c.opts?.jobId)).toEqual(p.finalize.parts.map((x) => partJobId('tale-abc', x.part)));
    expect(parts[0]!.opts).toMatchObject({ failParentOnFailure: true });
    // Every chunk once, in order, each in a part of its own chapter.
    const chunks = parts.flatMap((part) => part.children!.map((c) => ({ part: part.data as PartJobData, c })));
    expect(chunks.map(({ c }) => c.queueName)).toEqual(Array(20).fill(SYNTHESIZE_QUEUE));
    expect(chunks.map(({ c }) => c.opts?.jobId)).toEqual(Array.from({ length: 20 }, (_, i) => chunkJobId('tale-abc', i)));
    // A chunk job carries its book, its index and its part's text key: never the text.
    for (const { part, c } of chunks) expect(c.data).toEqual({ bookId: 'tale-abc', index: (c.data as SynthesizeJobRef).index, text: `part-${part.part}` });
    expect(chunks[0]!.c.opts).toMatchObject({ attempts: 4, backoff: { delay: 500 }, failParentOnFailure: true });
    // A part knows its neighbours' pause, its chapter's parts and whether it ends the book.
    const datas = parts.map((c) => c.data as PartJobData);
    expect(datas[0]!.pauseBefore).toBeUndefined();
    expect(datas.filter((d) => d.last)).toEqual([datas[datas.length - 1]]);
    const chapter2 = datas.filter((d) => d.chapter === 1);
    for (const d of chapter2) expect(d.chapterParts).toEqual({ first: chapter2[0]!.part, last: chapter2[chapter2.length - 1]!.part });
    expect(chapter2[0]!.pauseBefore).toBe('chapter');
  });

  it('queues a book as its finalize job over one small enqueue job pointing at its stored plan, no chunk job', () => {
    const chunks = 137;
    const p = plan(chunks, 30);
    const flow = buildFlow(p, '{p}');
    expect(flow.queueName).toBe(FINALIZE_QUEUE);
    expect(flow.opts?.jobId).toBe('tale-abc');
    expect(flow.children).toHaveLength(1);
    const enqueue = flow.children![0]!;
    expect(enqueue.queueName).toBe(ENQUEUE_QUEUE);
    const data = enqueue.data as EnqueueJobData;
    // The book's id and its plan's key, nothing else: a queued book's chunks are not in Redis.
    expect(data).toEqual({ bookId: 'tale-abc', plan: 'plan-key' });
    expect(enqueue.children ?? []).toEqual([]);
    // What admission adds from the stored plan: every chunk, once, in order.
    expect(partsOf(p.stored).flatMap((x) => x.chunks.map((c) => c.index))).toEqual(Array.from({ length: chunks }, (_, i) => i));
    // It fails the book if it cannot add them, and is not kept once it has.
    expect(enqueue.opts).toMatchObject({ jobId: enqueueJobId('tale-abc'), failParentOnFailure: true, removeOnComplete: true });
  });
});

describe('planParts', () => {
  it('never lets a part span chapters or cut where no pause follows', () => {
    const chunks = Array.from({ length: 60 }, (_, index) => ({
      index,
      chapter: index < 25 ? 0 : 1,
      pauseAfter: (index % 3 === 2 ? 'paragraph' : 'none') as 'paragraph' | 'none',
      text: 'y'.repeat(1000),
    }));
    const parts = planParts(chunks, 2_500);
    expect(parts[0]!.from).toBe(0);
    expect(parts[parts.length - 1]!.to).toBe(60);
    parts.forEach((p, i) => {
      if (i > 0) expect(p.from).toBe(parts[i - 1]!.to);
      expect(new Set(chunks.slice(p.from, p.to).map((c) => c.chapter))).toEqual(new Set([p.chapter]));
      if (i < parts.length - 1 && parts[i + 1]!.chapter === p.chapter) expect(chunks[p.to - 1]!.pauseAfter).not.toBe('none');
    });
    expect(parts.length).toBeGreaterThan(4);
  });
});
