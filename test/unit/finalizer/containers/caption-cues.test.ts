import { describe, expect, it } from 'vitest';
import { MAX_CUE_MS, MAX_LINE_CHARS, captionCues, cutSentence, wrapLines } from '../../../../src/finalizer/containers/caption-cues.js';
import { srtText, vttText } from '../../../../src/finalizer/containers/caption-text.js';
import { bookSentences, chunkAlignmentSummary } from '../../../../src/finalizer/book-sentences.js';
import { chunkSentences } from '../../../../src/producer/chunk-sentences.js';
import { parseCaptions } from '../../../helpers/parse-captions.js';

const LONG =
  'The lighthouse keeper climbed the stairs every evening, counting each of the hundred and twelve steps; ' +
  'at the top he lit the lamp, wound the clockwork that turned it — slowly, patiently — and watched the sea until morning.';

describe('caption cues', () => {
  it('gives one cue per sentence, timed as heard, and none to a sentence with nothing to read', () => {
    const cues = captionCues([
      { text: 'Call me Ishmael.', startMs: 200, endMs: 1400 },
      { text: '* * *', startMs: 1400, endMs: 1400 },
      { text: 'Some years ago, never mind how long precisely.', startMs: 1700, endMs: 4200 },
    ]);
    expect(cues).toEqual([
      { startMs: 200, endMs: 1400, lines: ['Call me Ishmael.'] },
      { startMs: 1700, endMs: 4200, lines: ['Some years ago, never', 'mind how long precisely.'] },
    ]);
  });

  it('cuts a sentence heard for more than 10 s at clause boundaries into cues of two lines of 42 characters at most', () => {
    const cues = captionCues([{ text: LONG, startMs: 1000, endMs: 15_000 }]);
    expect(cues.length).toBeGreaterThan(1);
    // Every word once, in order.
    expect(cues.flatMap((c) => c.lines).join(' ')).toBe(LONG);
    for (const c of cues) {
      expect(c.lines.length).toBeLessThanOrEqual(2);
      for (const line of c.lines) expect(line.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
      expect(c.endMs - c.startMs).toBeLessThanOrEqual(MAX_CUE_MS);
      // Cut at a clause boundary: every cue but the last ends in , ; : or a dash.
      if (c !== cues.at(-1)) expect(c.lines.at(-1)).toMatch(/[,;:—]$/);
    }
    expect(cues[0]!.startMs).toBe(1000);
    expect(cues.at(-1)!.endMs).toBe(15_000);
    cues.slice(1).forEach((c, i) => expect(c.startMs).toBe(cues[i]!.endMs));
  });

  it('never lets cues overlap or run backwards, even when sentence times touch', () => {
    const cues = captionCues([
      { text: 'One.', startMs: 0, endMs: 1000 },
      { text: 'Two.', startMs: 900, endMs: 900 },
      { text: 'Three.', startMs: 1200, endMs: 2000 },
    ]);
    cues.forEach((c, i) => {
      expect(c.endMs).toBeGreaterThan(c.startMs);
      if (i > 0) expect(c.startMs).toBeGreaterThanOrEqual(cues[i - 1]!.endMs);
    });
  });

  it('wraps into two even lines when the text fits in two', () => {
    expect(wrapLines('short')).toEqual(['short']);
    const two = wrapLines('Some years ago, never mind how long precisely, having little');
    expect(two).toHaveLength(2);
    expect(Math.abs(two[0]!.length - two[1]!.length)).toBeLessThan(12);
    expect(cutSentence('A short one.', 2_000)).toEqual(['A short one.']);
  });

  it('writes WebVTT and SubRip that read back to the same cues', () => {
    const cues = captionCues([
      { text: 'Tom & Jerry <ran>.', startMs: 3_721_234, endMs: 3_725_001 },
      { text: 'Done.', startMs: 3_725_500, endMs: 3_726_000 },
    ]);
    const vtt = vttText(cues);
    expect(vtt.startsWith('WEBVTT\n\n1\n01:02:01.234 --> 01:02:05.001\n')).toBe(true);
    expect(vtt).toContain('Tom &amp; Jerry &lt;ran&gt;.');
    const srt = srtText(cues);
    expect(srt.startsWith('1\n01:02:01,234 --> 01:02:05,001\nTom & Jerry <ran>.\n\n2\n')).toBe(true);
    expect(parseCaptions(srt).map((c) => [c.startMs, c.endMs])).toEqual(cues.map((c) => [c.startMs, c.endMs]));
    expect(parseCaptions(vtt).map((c) => [c.startMs, c.endMs])).toEqual(cues.map((c) => [c.startMs, c.endMs]));
  });
});

describe('book sentences', () => {
  it("places each chunk's sentences on the book's timeline, chapters numbered from 1 as the manifest lists them", () => {
    const timing = (texts: string[], starts: number[]) => ({ reference: 'en-us', cost: 0.6, sentences: texts.map((text, i) => ({ text, startMs: starts[i]!, endMs: starts[i]! + 500, confidence: 0.8 })) });
    const sentences = bookSentences(
      [
        { index: 0, chapter: 0 },
        { index: 1, chapter: 0 },
        { index: 2, chapter: 2 },
      ],
      new Map([
        [0, timing(['A.', 'B.'], [100, 900])],
        [1, undefined],
        [2, timing(['C.'], [50])],
      ]),
      new Map([
        [0, 0],
        [1, 2000],
        [2, 5000],
      ]),
    );
    expect(sentences).toEqual([
      { chapter: 1, chunk: 0, text: 'A.', startMs: 100, endMs: 600 },
      { chapter: 1, chunk: 0, text: 'B.', startMs: 900, endMs: 1400 },
      { chapter: 2, chunk: 2, text: 'C.', startMs: 5050, endMs: 5550 },
    ]);
    expect(chunkAlignmentSummary(timing(['A.'], [0]))).toEqual({ alignment: { cost: 0.6, confidence: 0.8, reference: 'en-us' } });
  });

  it("cuts a chunk into its paragraphs' sentences, as the producer does", () => {
    expect(chunkSentences('Mr. Smith came. He sat down.\n\nChapter Two\n\nIt rained.')).toEqual(['Mr. Smith came.', 'He sat down.', 'Chapter Two', 'It rained.']);
    expect(chunkSentences('Il pleuvait. Il faisait froid.', 'fr')).toEqual(['Il pleuvait.', 'Il faisait froid.']);
  });
});
