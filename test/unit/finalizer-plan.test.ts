import { describe, expect, it } from 'vitest';
import { concatListLine, escapeMetadata, ffmetadata } from '../../src/finalizer/ffmetadata.js';
import { PAUSES_MS, planTimeline } from '../../src/finalizer/plan-timeline.js';
import { slugify, uniqueSlugs } from '../../src/producer/slugify.js';
import { retryAfterMs } from '../../src/providers/classify-provider-error.js';

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
  it('quotes concat list paths, including a quote inside', () => {
    expect(concatListLine("/a/it's.wav")).toBe("file '/a/it'\\''s.wav'");
  });
});

describe('slugify', () => {
  it.each([
    ['Alice’s Adventures in Wonderland', 'alice-s-adventures-in-wonderland'],
    ['../../etc/passwd', 'etc-passwd'],
    ['Café Noir', 'cafe-noir'],
    ['///', 'book'],
  ])('%j → %j', (title, slug) => expect(slugify(title)).toBe(slug));
  it('never exceeds 80 characters', () => expect(slugify('word '.repeat(50)).length).toBeLessThanOrEqual(80));
  it('makes duplicates unique', () => expect(uniqueSlugs(['a', 'b', 'a', 'a'])).toEqual(['a', 'b', 'a-2', 'a-3']));
});

describe('retryAfterMs', () => {
  it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
  });
});
