import { describe, expect, it } from 'vitest';
import { wordErrorRate } from '../helpers/word-error-rate.js';

describe('word error rate (the bench and the intelligibility test measure with it)', () => {
  it('counts substitutions, deletions and insertions against the reference words, after normalising both', () => {
    expect(wordErrorRate("“Don't,” said Mr. Fogg, at 21.", 'do not said mister fogg at twenty one')).toMatchObject({ rate: 0, words: 7 });
    expect(wordErrorRate('the cat sat on the mat', 'the cat sat on a mat')).toMatchObject({ substitutions: 1, deletions: 0, insertions: 0, words: 6 });
    expect(wordErrorRate('the cat sat on the mat', 'the cat on the mat')).toMatchObject({ substitutions: 0, deletions: 1, insertions: 0 });
    expect(wordErrorRate('the cat sat', 'well the cat sat down')).toMatchObject({ insertions: 2, rate: 2 / 3 });
    expect(wordErrorRate('one two', '').rate).toBe(1);
  });

  it('takes a British spelling and its American one for the same word: the recognizer only writes the American', () => {
    expect(wordErrorRate('than recognises them, the colour of honour', 'than recognizes them the color of honor')).toMatchObject({ rate: 0, words: 7 });
    expect(wordErrorRate('he realised it', 'he realized it').rate).toBe(0);
    // Words that merely end alike stay apart.
    expect(wordErrorRate('the promise', 'the premise').substitutions).toBe(1);
  });
});
