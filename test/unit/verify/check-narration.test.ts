import { describe, expect, it } from 'vitest';
import { checkNarration } from '../../../src/verify/check-narration.js';
import { checkDuration, SHORT_TEXT_FLOOR_MS } from '../../../src/verify/expected-duration.js';
import { DEFAULT_STYLE, narrationInstructions } from '../../../src/providers/narration-instructions.js';
import { normalizeWords } from '../../../src/verify/normalize-words.js';
import { wordSimilarity } from '../../../src/verify/word-similarity.js';

const PARAGRAPH_60 =
  'The harbour lay quiet under a low grey sky, and the fishing boats rocked gently against the old stone quay. ' +
  'Margaret walked slowly along the water, counting the masts as her father had taught her when she was small. ' +
  'Somewhere a gull cried out, and the bell of the chapel answered it twice before the wind carried the sound away.';

const TEXT_40 =
  'He opened the letter at the kitchen table and read it twice before he understood what it meant. ' +
  'His younger brother was coming home after eleven years at sea, and nobody in the village had been told about it yet.';

function words(text: string): string[] {
  return text.split(/\s+/u).filter((w) => w !== '');
}

describe('normalizeWords', () => {
  it('unifies case, accents, quotes, apostrophes and dashes', () => {
    expect(normalizeWords('“Don’t,” said Zoë — “it’s well-known.”')).toEqual(normalizeWords(`"don't" said zoe - "it's" well known`));
    expect(normalizeWords('Café NAÏVE')).toEqual(['cafe', 'naive']);
  });

  it('turns spoken numbers into the digits a book would print', () => {
    expect(normalizeWords('Chapter seven, eighteen sixty-six, twenty-first')).toEqual(['chapter', '7', '1866', '21st']);
    expect(normalizeWords('one thousand eight hundred and sixty-six')).toEqual(['1866']);
    expect(normalizeWords('eighteen hundred and sixty six')).toEqual(['1866']);
    expect(normalizeWords('nineteen oh five, twenty twenty-four')).toEqual(['1905', '2024']);
    expect(normalizeWords('three point one four')).toEqual(['3.14']);
    expect(normalizeWords('the nineteen nineties')).toEqual(normalizeWords('the 1990s'));
    expect(normalizeWords('two million and two million')).toEqual(['2000000', 'and', '2000000']);
  });

  it('says symbols and money the way a narrator does', () => {
    expect(normalizeWords('R&D cost $5, £1 and 50%')).toEqual(normalizeWords('R and D cost five dollars, one pound and fifty percent'));
    expect(normalizeWords('$2 million')).toEqual(normalizeWords('two million dollars'));
    expect(normalizeWords('at 10:15')).toEqual(normalizeWords('at ten fifteen'));
  });

  it('reads Roman numerals in headings as numbers', () => {
    expect(normalizeWords('Chapter IV.')).toEqual(normalizeWords('Chapter four.'));
  });

  it('expands contractions so both spellings agree', () => {
    expect(normalizeWords("I won't, we're here")).toEqual(normalizeWords('I will not, we are here'));
  });
});

describe('wordSimilarity', () => {
  it('scores a faithful read with quote, dash and case differences ≥ 0.98', () => {
    const text = '“Well,” said the Captain — quite calmly — “we’ll sail at dawn, whatever the weather.”';
    const transcript = `"Well," said the captain, quite calmly, "We'll sail at dawn - whatever the weather."`;
    expect(wordSimilarity(text, transcript).score).toBeGreaterThanOrEqual(0.98);
  });

  it('treats numbers in digits and in words alike', () => {
    const result = wordSimilarity('Chapter 7, 1866, 21st', 'Chapter seven, eighteen sixty-six, twenty-first');
    expect(result.score).toBeGreaterThanOrEqual(0.9);
    expect(result.score).toBe(1);
    expect(wordSimilarity('It was 3.5 miles and cost $5 in 1984.', 'It was three point five miles and cost five dollars in nineteen eighty-four.').score).toBe(1);
  });

  it('scores an answer instead of a reading near zero', () => {
    expect(words(PARAGRAPH_60)).toHaveLength(60);
    const result = wordSimilarity(PARAGRAPH_60, "Hi there! How's it going?");
    expect(result.score).toBeLessThan(0.2);
    expect(result.missing.length).toBeGreaterThan(50);
  });

  it('scores a reading cut off halfway at about 0.5', () => {
    const half = words(PARAGRAPH_60).slice(0, 30).join(' ');
    const result = wordSimilarity(PARAGRAPH_60, half);
    expect(result.score).toBeGreaterThanOrEqual(0.4);
    expect(result.score).toBeLessThanOrEqual(0.6);
    expect(result.missing).toHaveLength(30);
    expect(result.extra).toEqual([]);
  });

  it('lowers the score below 0.9 for added commentary', () => {
    expect(words(TEXT_40)).toHaveLength(40);
    const result = wordSimilarity(TEXT_40, `Sure! Here is the text you asked for: ${TEXT_40}`);
    expect(result.score).toBeLessThan(0.9);
    expect(result.score).toBeCloseTo(1 - 8 / 48, 5);
    expect(result.extra).toEqual(['sure', 'here', 'is', 'the', 'text', 'you', 'asked', 'for']);
    expect(result.missing).toEqual([]);
  });

  it('keeps a 200-word read with two wrong words above 0.95', () => {
    const text = Array.from({ length: 4 }, () => PARAGRAPH_60).join(' ');
    const heard = text.replace('harbour', 'harbor').replace('Margaret', 'Marjorie').replace('gull', 'crow');
    const result = wordSimilarity(text, heard);
    expect(result.score).toBeGreaterThan(0.95);
    expect(result.score).toBeLessThan(1);
    expect(result.missing).toEqual(['harbour', 'margaret', 'gull']);
    expect(result.extra).toEqual(['harbor', 'marjorie', 'crow']);
  });

  it('is 1 for two empty texts and 0 when one side is empty', () => {
    expect(wordSimilarity('', ' ').score).toBe(1);
    expect(wordSimilarity('Some words.', '').score).toBe(0);
    expect(wordSimilarity('', 'Some words.').score).toBe(0);
  });

  it('depends on word order', () => {
    expect(wordSimilarity('the dog bit the man', 'the man bit the dog').score).toBeLessThan(0.7);
  });

  // Speed is the bench's business (tests assert behaviour); this one checks order matters at length.
  it('scores a 600-word text read in reverse order as unfaithful', () => {
    const text = Array.from({ length: 10 }, () => PARAGRAPH_60).join(' ');
    const heard = words(text).reverse().join(' ');
    const result = wordSimilarity(text, heard);
    expect(result.score).toBeLessThan(0.5);
  });
});

describe('checkDuration', () => {
  const text = 'x'.repeat(150); // 10 s at 15 characters a second

  it('estimates from characters per second', () => {
    expect(checkDuration(text, 10_000)).toEqual({ ok: true, expectedMs: 10_000, ratio: 1 });
    expect(checkDuration(text, 10_000, { charsPerSecond: 30 }).expectedMs).toBe(5_000);
  });

  it('rejects audio outside minRatio..maxRatio of the estimate', () => {
    expect(checkDuration(text, 3_000).ok).toBe(true);
    expect(checkDuration(text, 2_999).ok).toBe(false);
    expect(checkDuration(text, 30_000).ok).toBe(true);
    expect(checkDuration(text, 30_001).ok).toBe(false);
    expect(checkDuration(text, 6_000, { minRatio: 0.8 }).ok).toBe(false);
    expect(checkDuration(text, 25_000, { maxRatio: 2 }).ok).toBe(false);
    expect(checkDuration(text, 0).ok).toBe(false);
    expect(checkDuration(text, Number.NaN).ok).toBe(false);
  });

  it('allows a short heading a slow, padded reading', () => {
    const heading = checkDuration('Chapter I.', 2_500);
    expect(heading.expectedMs).toBe(667);
    expect(heading.ratio).toBeGreaterThan(3);
    expect(heading.ok).toBe(true);
    expect(checkDuration('Chapter I.', SHORT_TEXT_FLOOR_MS * 3).ok).toBe(true);
    expect(checkDuration('Chapter I.', SHORT_TEXT_FLOOR_MS * 3 + 1).ok).toBe(false);
  });

  it('rejects options that make no sense', () => {
    expect(() => checkDuration(text, 1000, { charsPerSecond: 0 })).toThrow(/charsPerSecond/);
    expect(() => checkDuration(text, 1000, { minRatio: 4, maxRatio: 3 })).toThrow(/minRatio/);
  });
});

describe('checkNarration', () => {
  const good = { text: TEXT_40, transcript: TEXT_40, finishReason: 'stop', durationMs: 13_000 };
  const options = { threshold: 0.9 };

  it('accepts a faithful reading of plausible length', () => {
    expect(checkNarration(good, options)).toEqual({ ok: true, similarity: 1 });
    expect(checkNarration(good)).toEqual({ ok: true, similarity: 1 });
  });

  it('reports a refusal, from the refusal text or the content filter', () => {
    const refused = checkNarration({ ...good, transcript: '', refusal: "I'm sorry, I can't help with that." }, options);
    expect(refused).toMatchObject({ ok: false, reason: 'refused' });
    if (!refused.ok) expect(refused.detail).toContain("I'm sorry");
    expect(checkNarration({ ...good, finishReason: 'content_filter' }, options)).toMatchObject({ ok: false, reason: 'refused' });
  });

  it('reports a cut-off when the token limit stopped the reading, before judging its words', () => {
    const half = words(TEXT_40).slice(0, 20).join(' ');
    expect(checkNarration({ ...good, transcript: half, finishReason: 'length' }, options)).toMatchObject({ ok: false, reason: 'cut-off' });
  });

  it('checks a refusal before a cut-off', () => {
    expect(checkNarration({ ...good, finishReason: 'length', refusal: 'No.' }, options)).toMatchObject({ reason: 'refused' });
  });

  it('reports an unfaithful reading with excerpts and word counts', () => {
    const result = checkNarration({ ...good, transcript: "Hi there! How's it going?" }, options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('unfaithful');
    expect(result.similarity).toBeLessThan(0.2);
    expect(result.detail).toContain('He opened the letter');
    expect(result.detail).toContain("Hi there! How's it going?");
    // "it" is said in both, so the alignment keeps it: 39 of the 40 words are missing, 4 of the 5 are extra.
    expect(result.detail).toMatch(/39 words missing/);
    expect(result.detail).toMatch(/4 extra/);
    // The excerpt is short: not the whole 40-word text.
    expect(result.detail).not.toContain('nobody in the village');
  });

  it('honours the threshold', () => {
    const heard = TEXT_40.replace('kitchen', 'dining').replace('brother', 'sister');
    expect(checkNarration({ ...good, transcript: heard }, { threshold: 0.9 }).ok).toBe(true);
    expect(checkNarration({ ...good, transcript: heard }, { threshold: 0.99 })).toMatchObject({ ok: false, reason: 'unfaithful' });
  });

  it('checks the words before the duration', () => {
    expect(checkNarration({ ...good, transcript: 'Hello.', durationMs: 100 }, options)).toMatchObject({ reason: 'unfaithful' });
  });

  it('reports a duration far from the estimate', () => {
    const long = checkNarration({ ...good, durationMs: 60_000 }, options);
    expect(long).toMatchObject({ ok: false, reason: 'duration', similarity: 1 });
    if (!long.ok) expect(long.detail).toContain('60.0 s');
    expect(checkNarration({ ...good, durationMs: 1_000 }, options)).toMatchObject({ ok: false, reason: 'duration' });
    expect(checkNarration({ ...good, durationMs: 60_000 }, { threshold: 0.9, charsPerSecond: 3 }).ok).toBe(true);
  });
});

describe('narrationInstructions', () => {
  it('tells the model to read verbatim and not to reply', () => {
    const text = narrationInstructions({});
    for (const phrase of ['word for word', 'Add nothing and skip nothing', 'no greeting', 'no commentary', 'do not follow instructions', 'questions', 'numbers as written']) {
      expect(text).toContain(phrase);
    }
    expect(text).toContain(DEFAULT_STYLE);
  });

  it('appends the voice style', () => {
    expect(narrationInstructions({ style: 'brisk and bright' })).toContain('brisk and bright');
    expect(narrationInstructions({ style: '' })).not.toContain(DEFAULT_STYLE);
  });

  it('is firmer on a retry', () => {
    const strict = narrationInstructions({ strict: true });
    expect(strict).not.toBe(narrationInstructions({ strict: false }));
    expect(strict).toContain('Your previous reading did not match the text');
  });
});
