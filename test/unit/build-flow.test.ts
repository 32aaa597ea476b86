import { describe, expect, it } from 'vitest';
import type { BookPlan } from '../../src/producer/plan-book.js';
import { buildFlow, chunkJobId, enqueueJobId, FLOW_CHUNKS } from '../../src/queue/build-flow.js';
import type { EnqueueJobData, SynthesizeJobData } from '../../src/queue/job-data.js';
import { ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../../src/queue/names.js';

function plan(chunks: number): BookPlan {
  const bookId = 'tale-abc';
  return {
    finalize: {
      bookId,
      title: 'Tale',
      author: 'Anon',
      voice: 'alloy',
      format: 'wav',
      outDir: '/tmp/out',
      slug: 'tale',
      chapters: [{ title: 'One' }],
      chunks: Array.from({ length: chunks }, (_, index) => ({ index, chapter: 0, pauseAfter: 'paragraph' as const })),
      sources: ['tale.txt'],
      submittedAt: '2026-11-24T00:00:00.000Z',
    },
    synthesize: Array.from({ length: chunks }, (_, index): SynthesizeJobData => ({ bookId, index, chapter: 0, text: `Chunk ${index}.`, voice: 'alloy', style: '' })),
  };
}

const retry = { attempts: 4, backoffMs: 500 };

describe('buildFlow', () => {
  it('puts a book of up to FLOW_CHUNKS chunks in one flow, one synthesize child per chunk', () => {
    const flow = buildFlow(plan(FLOW_CHUNKS), '{p}', retry);
    expect(flow.queueName).toBe(FINALIZE_QUEUE);
    expect(flow.opts?.jobId).toBe('tale-abc');
    expect(flow.children!.map((c) => c.queueName)).toEqual(Array(FLOW_CHUNKS).fill(SYNTHESIZE_QUEUE));
    expect(flow.children!.map((c) => c.opts?.jobId)).toEqual(Array.from({ length: FLOW_CHUNKS }, (_, i) => chunkJobId('tale-abc', i)));
    expect(flow.children![0]!.opts).toMatchObject({ attempts: 4, backoff: { delay: 500 }, failParentOnFailure: true });
  });

  it('gives a longer book one enqueue child holding the rest of its chunks, in order', () => {
    const flow = buildFlow(plan(FLOW_CHUNKS + 7), '{p}', retry);
    const enqueue = flow.children!.filter((c) => c.queueName === ENQUEUE_QUEUE);
    const chunks = flow.children!.filter((c) => c.queueName === SYNTHESIZE_QUEUE);
    expect(chunks.map((c) => (c.data as SynthesizeJobData).index)).toEqual(Array.from({ length: FLOW_CHUNKS }, (_, i) => i));
    expect(enqueue).toHaveLength(1);
    const data = enqueue[0]!.data as EnqueueJobData;
    expect(data.chunks.map((c) => c.index)).toEqual(Array.from({ length: 7 }, (_, i) => FLOW_CHUNKS + i));
    expect(data.retry).toEqual(retry);
    // It fails the book if it cannot add them, and it does not keep the text once it has.
    expect(enqueue[0]!.opts).toMatchObject({ jobId: enqueueJobId('tale-abc'), failParentOnFailure: true, removeOnComplete: true });
  });
});
