import { describe, expect, it } from 'vitest';
import { escapeMetadata, ffmetadata } from '../../../src/finalizer/ffmetadata.js';
import { PAUSES_MS, planTimeline } from '../../../src/finalizer/plan-timeline.js';

describe('planTimeline', () => {
  const chapters = [{ title: 'One' }, { title: 'Two' }];
  const chunks = [
    { index: 0, chapter: 0, pauseAfter: 'paragraph' as const, durationMs: 1000 },
    { index: 1, chapter: 0, pauseAfter: 'chapter' as const, durationMs: 2000 },
    { index: 2, chapter: 1, pauseAfter: 'sentence' as const, durationMs: 500 },
    { index: 3, chapter: 1, pauseAfter: 'chapter' as const, durationMs: 700 },
  ];

  it('puts pauses between segments and times each chapter', () => {
    const t = planTimeline(chapters, chunks);
    const chapter2Start = 1000 + PAUSES_MS.paragraph + 2000 + PAUSES_MS.chapter;
    expect(t.chapters).toEqual([
      { title: 'One', startMs: 0, endMs: chapter2Start },
      { title: 'Two', startMs: chapter2Start, endMs: chapter2Start + 500 + PAUSES_MS.sentence + 700 },
    ]);
    expect(t.totalMs).toBe(t.chapters[1]!.endMs);
    expect(t.entries.filter((e) => e.kind === 'segment').map((e) => (e.kind === 'segment' ? e.index : -1))).toEqual([0, 1, 2, 3]);
    // No trailing silence after the last chunk.
    expect(t.entries.at(-1)).toEqual({ kind: 'segment', index: 3 });
  });
});

describe('ffmetadata', () => {
  it('escapes the characters FFMETADATA1 reserves', () => {
    expect(escapeMetadata('a=b;c#d\\e\nf')).toBe('a\\=b\\;c\\#d\\\\e\\\nf');
  });
  it('writes tags and millisecond chapters', () => {
    const text = ffmetadata({ title: 'T', artist: '' }, [{ title: 'C=1', startMs: 0, endMs: 1500.4 }]);
    expect(text).toBe(';FFMETADATA1\ntitle=T\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1500\ntitle=C\\=1\n');
  });
});
