import { describe, expect, it } from 'vitest';
import { layoutPart, pauseSamples } from '../../../src/finalizer/part-layout.js';
import { partsTimeline } from '../../../src/finalizer/finalize-book.js';
import type { PartResult } from '../../../src/contracts/job-data.js';

const RATE = 24_000;
const chunk = (index: number, samples: number, pauseAfter: 'paragraph' | 'chapter' | 'sentence' = 'paragraph') => ({ index, samples, pauseAfter });

describe('layoutPart', () => {
  it('splits the pause at a join between the parts and grows only the earlier half to whole frames', () => {
    const a = layoutPart({ chunks: [chunk(0, 30_001), chunk(1, 20_000)], pauseBefore: undefined, last: false, rate: RATE, grid: 1024 });
    const b = layoutPart({ chunks: [chunk(2, 10_000)], pauseBefore: 'paragraph', last: true, rate: RATE, grid: 1024 });
    expect(a.samples % 1024).toBe(0);
    expect(b.samples % 1024).toBe(0);
    expect(a.headSamples).toBe(0);
    const pause = pauseSamples('paragraph', RATE);
    // Both halves of the 750 ms pause are there, plus less than a frame.
    const join = a.tailSamples + b.headSamples;
    expect(join).toBeGreaterThanOrEqual(pause);
    expect(join).toBeLessThan(pause + 1024);
    expect(a.samples).toBe(30_001 + pause + 20_000 + a.tailSamples);
    expect(a.entries.filter((e) => e.kind === 'segment').map((e) => (e as { index: number }).index)).toEqual([0, 1]);
  });

  it('for a format with no frames (wav) lays out exactly the planned pauses', () => {
    const a = layoutPart({ chunks: [chunk(0, 1_001)], pauseBefore: undefined, last: false, rate: RATE, grid: 1 });
    const b = layoutPart({ chunks: [chunk(1, 1_000)], pauseBefore: 'paragraph', last: true, rate: RATE, grid: 1 });
    expect(a.tailSamples + b.headSamples).toBe(pauseSamples('paragraph', RATE));
    expect(b.tailSamples).toBe(0);
  });
});

describe('partsTimeline', () => {
  it('starts each chapter where its first segment starts in the joined parts', () => {
    const part = (p: number, samples: number, headSamples: number): PartResult => ({ part: p, file: 'x', samples, headSamples, tailSamples: 0, chunks: [] });
    const t = partsTimeline(
      { chapters: [{ title: 'A' }, { title: 'B' }], parts: [{ part: 0, chapter: 0, from: 0, to: 1 }, { part: 1, chapter: 0, from: 1, to: 2 }, { part: 2, chapter: 1, from: 2, to: 3 }] },
      [part(0, 48_000, 0), part(1, 24_000, 1_200), part(2, 48_000, 24_000)],
      RATE,
    );
    expect(t.chapters).toEqual([
      { chapter: 0, title: 'A', startMs: 0, endMs: 4_000 },
      { chapter: 1, title: 'B', startMs: 4_000, endMs: 4_000 + 1_000 },
    ]);
    expect(t.totalMs).toBe(4_000 + 1_000);
  });
});
