import { describe, expect, it } from 'vitest';
import { readAlongText } from '../../../src/dashboard/read-along-text.js';

const sentence = (chunk: number, text: string, startMs: number) => ({ chapter: 1, chunk, text, startMs, endMs: startMs + 900 });

describe('readAlongText', () => {
  it('lists the chunks whose aligner failed beside the timed sentences', () => {
    const manifest = {
      chapters: [{ title: 'The Harbour' }],
      chunks: [{ index: 0, chapter: 0, alignment: { cost: 0.6, confidence: 0.9, reference: 'en-us' } }, { index: 1, chapter: 0, unaligned: 'alignment failed: espeak-ng exited with code 7' }, { index: 2, chapter: 0 }],
      sentences: [sentence(0, 'The boats came back.', 0), sentence(2, 'The gates were closed.', 4000)],
    };
    expect(readAlongText(manifest)).toEqual({ chapters: ['The Harbour'], sentences: manifest.sentences, unaligned: [1] });
  });

  it('lists none for a manifest without them (every chunk timed, or made before unaligned existed)', () => {
    expect(readAlongText({ chapters: [{ title: 'A' }], sentences: [sentence(0, 'One.', 0)] })?.unaligned).toEqual([]);
    expect(readAlongText({ chapters: [{ title: 'A' }], chunks: [{ index: 0, unaligned: 7 }], sentences: [sentence(0, 'One.', 0)] })?.unaligned).toEqual([]);
  });
});
