import { describe, expect, it } from 'vitest';
import { markdownToText } from '../../../src/producer/markdown-to-text.js';
import { parseDocument } from '../../../src/producer/parse-document.js';

const read = (source: string, readCode = false) => markdownToText(source, { fallbackTitle: 'Fallback', readCode });

describe('markdownToText', () => {
  it('starts a chapter at each top-level heading and reads deeper headings as paragraphs', () => {
    const book = read('Intro text.\n\n# One\n\nFirst.\n\n## Aside\n\nMore.\n\n# Two #\n\nSecond.');
    expect(book.title).toBeUndefined();
    expect(book.chapters).toEqual([
      { title: 'Opening', paragraphs: ['Intro text.'] },
      { title: 'One', paragraphs: ['One', 'First.', 'Aside', 'More.'] },
      { title: 'Two', paragraphs: ['Two', 'Second.'] },
    ]);
  });

  it('takes a lone leading top-level heading as the book title, and setext headings as headings', () => {
    const book = read('My Book\n=======\n\nChapter One\n-----------\n\nText one.\n\n## Chapter Two\n\nText two.');
    expect(book.title).toBe('My Book');
    expect(book.chapters.map((c) => c.title)).toEqual(['Chapter One', 'Chapter Two']);
    expect(book.chapters[0]?.paragraphs).toEqual(['Chapter One', 'Text one.']);
  });

  it('is one chapter named by the fallback title when there are no headings', () => {
    expect(read('Just text\nwrapped.\n\nAnother.').chapters).toEqual([
      { title: 'Fallback', paragraphs: ['Just text wrapped.', 'Another.'] },
    ]);
  });

  it('strips inline markup and keeps the words', () => {
    const source = [
      '# T',
      'Some *em*, _under_, **strong**, __bold__, ~~gone~~ and `a*b*c` code, snake_case_name, 5 * 3 * 2.',
      'A [link](http://x.y "title") and ![an image](pic.png) and [ref][1] and <https://example.com> and <me@example.com>.',
      'Some <b>html</b> <span class="x">inside</span>, a<br>break, &amp; &lt;tag&gt; &#233; \\*literal\\*.',
      '<!-- a comment\nover lines -->',
      '[1]: http://example.com/ref',
    ].join('\n\n');
    expect(read(source).chapters[0]?.paragraphs).toEqual([
      'T',
      'Some em, under, strong, bold, gone and a*b*c code, snake_case_name, 5 * 3 * 2.',
      'A link and and ref and https://example.com and me@example.com.',
      'Some html inside, a break, & <tag> é *literal*.',
    ]);
  });

  it('drops rules, quote markers and list markers, one paragraph per item', () => {
    const source = '# T\n\n> Quoted\n> text.\n>\n> Second.\n\n---\n\n- one\n- two\n  continued\n* [x] three\n\n1. first\n2) second\n\n***';
    expect(read(source).chapters[0]?.paragraphs).toEqual([
      'T',
      'Quoted text.',
      'Second.',
      'one',
      'two continued',
      'three',
      'first',
      'second',
    ]);
  });

  it('skips code fences unless asked to read them', () => {
    const source = '# T\n\nBefore.\n\n```js\nconst a = 1; // # not a heading\n```\n\n~~~~\nmore code\n~~~~\n\nAfter.';
    expect(read(source).chapters[0]?.paragraphs).toEqual(['T', 'Before.', 'After.']);
    expect(read(source, true).chapters[0]?.paragraphs).toEqual(['T', 'Before.', 'const a = 1; // # not a heading', 'more code', 'After.']);
  });

  it('ignores YAML front matter', () => {
    expect(read('---\ntitle: x\n---\n# Real\n\nText.').chapters).toEqual([{ title: 'Real', paragraphs: ['Real', 'Text.'] }]);
  });
});

describe('parseDocument on Markdown', () => {
  it('reads .md and .markdown files, with CRLF line endings and readCode passed through', async () => {
    const source = Buffer.from('# Hello\r\n\r\nWorld.\r\n\r\n```\r\nx = 1\r\n```\r\n');
    expect((await parseDocument(source, 'a.md')).chapters).toEqual([{ title: 'Hello', paragraphs: ['Hello', 'World.'] }]);
    expect((await parseDocument(source, 'a.markdown', { readCode: true })).chapters[0]?.paragraphs).toEqual(['Hello', 'World.', 'x = 1']);
  });
});
