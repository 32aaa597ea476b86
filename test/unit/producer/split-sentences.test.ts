import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../../src/producer/split-sentences.js';

describe('splitSentences', () => {
  it.each([
    ['One. Two! Three? Four… Five.', ['One.', 'Two!', 'Three?', 'Four…', 'Five.']],
    ['Mr. and Mrs. Smith met Ms. Jones and Dr. Who. They left.', ['Mr. and Mrs. Smith met Ms. Jones and Dr. Who.', 'They left.']],
    ['St. Paul, Prof. X, Jr. and Sr. met. Capt. Nemo, Col. Mustard, Gen. Lee, Rev. Green and Mt. Fuji too.', ['St. Paul, Prof. X, Jr. and Sr. met.', 'Capt. Nemo, Col. Mustard, Gen. Lee, Rev. Green and Mt. Fuji too.']],
    ['Cats vs. Dogs, apples etc. Then pears. Use e.g. This or i.e. That.', ['Cats vs. Dogs, apples etc. Then pears.', 'Use e.g. This or i.e. That.']],
    ['He lived at No. 7, Saville Row. No. He did not.', ['He lived at No. 7, Saville Row.', 'No.', 'He did not.']],
    ['We left at 8.45 p.m. Friday and came back at 7 a.m. Monday. Done.', ['We left at 8.45 p.m. Friday and came back at 7 a.m. Monday.', 'Done.']],
    ['J. R. R. Tolkien met H. G. Wells. They talked.', ['J. R. R. Tolkien met H. G. Wells.', 'They talked.']],
    ['So did I. Then we went.', ['So did I.', 'Then we went.']],
    ['Pi is 3.14 or so. It is 2.5 times 1.2. Right.', ['Pi is 3.14 or so.', 'It is 2.5 times 1.2.', 'Right.']],
    ['Wait... what? Wait... What now?', ['Wait... what?', 'Wait...', 'What now?']],
    ['"Stop!" he said. "Why?" She ran.', ['"Stop!" he said.', '"Why?"', 'She ran.']],
    ['“Stop!” he said. “Why not?” she asked.', ['“Stop!” he said.', '“Why not?” she asked.']],
    ["'Oh dear! I shall be late!' (when she thought it over) 'Well!' thought Alice.", ["'Oh dear!", "I shall be late!' (when she thought it over) 'Well!' thought Alice."]],
    ['He went (quietly.) Then left. She said "no." He cried.', ['He went (quietly.)', 'Then left.', 'She said "no."', 'He cried.']],
    ['I think--but no. Yes--of course. It was 1872. In 1873 he left.', ['I think--but no.', 'Yes--of course.', 'It was 1872.', 'In 1873 he left.']],
    ['no capital after this. so no split', ['no capital after this. so no split']],
  ])('%s', (paragraph, expected) => {
    expect(splitSentences(paragraph)).toEqual(expected);
  });

  it('gives back the paragraph exactly when joined with single spaces', () => {
    const paragraphs = [
      'One.  Two.\nThree. Four.',
      '  Leading and trailing.  ',
      '“Is it?” “It is.” (Yes.) [Sure.] Fine!',
      'A… B… C',
    ];
    for (const paragraph of paragraphs) expect(splitSentences(paragraph).join(' ')).toBe(paragraph);
  });

  it('returns nothing for an empty paragraph and the text itself when there is one sentence', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences('Just one')).toEqual(['Just one']);
  });
});
