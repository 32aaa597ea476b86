import { describe, expect, it } from 'vitest';
import { wrapSentences } from '../../../src/epub/wrap-sentences.js';

const doc = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Down the Rabbit-Hole</title></head><body>${body}</body></html>`;

describe('wrapSentences', () => {
  it('wraps each sentence where it is read, changing nothing else of the document', () => {
    const source = doc('<p>Alice was tired &amp; bored. &#8220;Oh dear!&#8221; said the Rabbit.</p>');
    const { documents, pieces } = wrapSentences([{ path: 'a.xhtml', source }], ['Alice was tired & bored.', '“Oh dear!” said the Rabbit.']);
    expect(documents[0]?.source).toBe(
      doc('<p><span id="narrate-s0">Alice was tired &amp; bored.</span> &#8220;<span id="narrate-s1">Oh dear!&#8221; said the Rabbit.</span></p>'),
    );
    expect(pieces).toEqual([[{ document: 0, id: 'narrate-s0', share: 1 }], [{ document: 0, id: 'narrate-s1', share: 1 }]]);
    // Taking the spans out gives back the publisher's document byte for byte.
    expect(documents[0]?.source.replace(/<span id="narrate-s\d+">|<\/span>/g, '')).toBe(source);
  });

  it('splits a sentence that crosses markup into a span per run, its clip shared by letters', () => {
    const { documents, pieces } = wrapSentences([{ path: 'a.xhtml', source: doc('<p>It was <i>very</i> odd.</p>') }], ['It was very odd.']);
    expect(documents[0]?.source).toContain('<p><span id="narrate-s0">It was</span> <i><span id="narrate-s0-2">very</span></i> <span id="narrate-s0-3">odd.</span></p>');
    expect(pieces[0]?.map((p) => p.share)).toEqual([5 / 12, 4 / 12, 3 / 12]);
  });

  it('finds a heading in its chapter, not in the contents list before it, and leaves what was not read alone', () => {
    const contents = doc('<table><tr><td><a href="b.xhtml#c1">CHAPTER I.</a></td><td>Down the Rabbit-Hole</td></tr></table>');
    const chapter = doc('<h2>CHAPTER I.<br/>Down the Rabbit-Hole</h2><p>She fell.</p><aside epub:type="footnote"><p>A note never read.</p></aside>');
    const { documents, pieces } = wrapSentences(
      [
        { path: 'a.xhtml', source: contents },
        { path: 'b.xhtml', source: chapter },
      ],
      ['Chapter I: Down the Rabbit-Hole', 'She fell.', 'A table of 3 rows, not read aloud.'],
    );
    expect(documents[0]?.source).toBe(contents);
    expect(pieces[0]?.map((p) => p.document)).toEqual([1, 1]);
    expect(documents[1]?.source).toContain('<p><span id="narrate-s1">She fell.</span></p>');
    expect(documents[1]?.source).toContain('<p>A note never read.</p>');
    expect(pieces[2]).toEqual([]);
  });

  it('never wraps text in the head, in SVG or MathML, or a sentence twice', () => {
    const source = doc('<svg xmlns="http://www.w3.org/2000/svg"><text>Yes.</text></svg><p>Yes.</p><p>Yes.</p>');
    const { documents, pieces } = wrapSentences([{ path: 'a.xhtml', source }], ['Down the Rabbit-Hole', 'Yes.', 'Yes.']);
    expect(pieces[0]).toEqual([]);
    expect(documents[0]?.source).toContain('<text>Yes.</text>');
    expect(documents[0]?.source).toContain('<p><span id="narrate-s1">Yes.</span></p><p><span id="narrate-s2">Yes.</span></p>');
  });
});
