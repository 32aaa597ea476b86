import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import type { Chapter, Chunk } from '../../../src/contracts/book-text.js';
import { parseDocument } from '../../../src/producer/parse-document.js';
import { DEFAULT_MAX_CHARS, splitChunks } from '../../../src/producer/split-chunks.js';

import { CORPUS } from '../../helpers/corpus.js';

/** Words as a listener hears them: case, punctuation and quote styles do not matter. */
function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The file's body: after the Gutenberg start marker (if any), before the end marker (if any). */
function rawBody(text: string): string {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^\*{3} ?START OF (THE|THIS) PROJECT GUTENBERG/i.test(line));
  const end = lines.findIndex((line) => /^\*{3} ?END OF (THE|THIS) PROJECT GUTENBERG/i.test(line));
  return lines.slice(start + 1, end >= 0 ? end : lines.length).join('\n');
}

/**
 * Rebuilds each chapter's text from its chunks, putting back what the chunker cut at: a blank line
 * after a chunk that ends a paragraph, one space otherwise. Equal to the paragraphs joined by blank
 * lines only if no chunk lost, repeated or reordered text, and no cut fell inside a word.
 */
function rebuild(chunks: Chunk[], chapterCount: number): string[] {
  const texts = Array.from({ length: chapterCount }, () => '');
  let previous: Chunk | undefined;
  for (const chunk of chunks) {
    const glue = previous?.chapter !== chunk.chapter ? '' : previous.pauseAfter === 'paragraph' ? '\n\n' : ' ';
    texts[chunk.chapter] += glue + chunk.text;
    previous = chunk;
  }
  return texts;
}

const BOOKS = [
  {
    file: 'alice.txt',
    // This edition has no Gutenberg header, chapter headings "CHAPTER I. Down the Rabbit-Hole" and
    // straight apostrophes. Before chapter I it has a title page; the edition line is dropped with it.
    chapters: [
      'Chapter I: Down the Rabbit-Hole',
      'Chapter II: The Pool of Tears',
      'Chapter III: A Caucus-Race and a Long Tale',
      'Chapter IV: The Rabbit Sends in a Little Bill',
      'Chapter V: Advice from a Caterpillar',
      'Chapter VI: Pig and Pepper',
      'Chapter VII: A Mad Tea-Party',
      "Chapter VIII: The Queen's Croquet-Ground",
      "Chapter IX: The Mock Turtle's Story",
      'Chapter X: The Lobster Quadrille',
      'Chapter XI: Who Stole the Tarts?',
      "Chapter XII: Alice's Evidence",
    ],
    droppedFrontMatter: "ALICE'S ADVENTURES IN WONDERLAND Lewis Carroll THE MILLENNIUM FULCRUM EDITION 3.0",
  },
  {
    file: 'around-the-world.txt',
    // This copy has the Gutenberg footer but no header and no chapter headings at all (one paragraph
    // per line, chapters run on): it is one chapter named by the caller's fallback title. The EPUB of
    // the same book has the 37 chapters (see epub.test.ts).
    chapters: ['Around the World in Eighty Days'],
    droppedFrontMatter: '',
  },
] as const;

describe.each(BOOKS)('corpus $file', ({ file, chapters: titles, droppedFrontMatter }) => {
  const raw = readFileSync(`${CORPUS}/${file}`);
  const loaded = parseDocument(raw, file, { fallbackTitle: 'Around the World in Eighty Days' });

  it('finds the chapters the file has, each heard by its title first', async () => {
    const book = await loaded;
    expect(book.chapters.map((chapter) => chapter.title)).toEqual(titles);
    for (const chapter of book.chapters.filter((c) => c.title.startsWith('Chapter '))) {
      expect(chapter.paragraphs[0]).toBe(chapter.title);
    }
  });

  it('has exactly as many headings in the file as chapters found', () => {
    const headings = raw.toString('utf8').match(/^chapter [ivxlc\d]+\b/gim) ?? [];
    expect(headings.length).toBe(titles.filter((title) => title.startsWith('Chapter ')).length);
  });

  it("keeps every word of the file's body in order, dropping only the title page", async () => {
    // Fair check against the original: the word sequence between the Gutenberg markers must come out
    // unchanged. Punctuation and case are ignored, so rewriting "CHAPTER I." as "Chapter I:" and the
    // dropped "* * *" separators (no words) do not count; the only words allowed to go are the title
    // page, named above, which must be exactly the words in front of the first chapter.
    const book = await loaded;
    const body = words(rawBody(raw.toString('utf8')));
    const dropped = words(droppedFrontMatter);
    expect(body.slice(0, dropped.length)).toEqual(dropped);
    const chunks = splitChunks(book.chapters, DEFAULT_MAX_CHARS);
    expect(words(chunks.map((chunk) => chunk.text).join(' '))).toEqual(body.slice(dropped.length));
  });

  it.each([200, 1200, 4000])('chunks at maxChars %i lose nothing, never cut a word, and fit', async (maxChars) => {
    const book = await loaded;
    const chunks = splitChunks(book.chapters, maxChars);
    expect(rebuild(chunks, book.chapters.length)).toEqual(book.chapters.map((c) => c.paragraphs.join('\n\n')));
    expect(words(chunks.map((chunk) => chunk.text).join(' '))).toEqual(
      words(book.chapters.flatMap((c) => c.paragraphs).join(' ')),
    );
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(maxChars);
      expect(chunk.text.trim()).not.toBe('');
    }
    expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
    chunks.forEach((chunk, i) => {
      const endsChapter = chunks[i + 1]?.chapter !== chunk.chapter;
      expect(chunk.pauseAfter === 'chapter').toBe(endsChapter);
    });
  });
});

describe('a modern Gutenberg text', () => {
  // The layout of current Gutenberg plain-text files, which the corpus copies above do not have:
  // licence header with Title/Author, a contents list, headings split over two lines, illustrations.
  const text = [
    '\ufeffThe Project Gutenberg eBook of A Test Book',
    '',
    'This ebook is for the use of anyone anywhere in the United States.',
    '',
    'Title: A Test Book',
    '',
    'Author: Ann Author',
    '',
    'Release date: June 27, 2008 [eBook #11]',
    '',
    '*** START OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***',
    '',
    '[Illustration]',
    '',
    'A Test Book',
    '',
    'THE MILLENNIUM FULCRUM EDITION 3.0',
    '',
    'Contents',
    '',
    ' CHAPTER I.     Down the Rabbit-Hole',
    ' CHAPTER II.    In Which Phileas Fogg And Passepartout Accept Each Other,',
    '                The One As Master',
    '',
    '',
    '',
    'CHAPTER I.',
    'Down the Rabbit-Hole',
    '',
    '',
    'Alice was beginning to get very tired of sitting by her sister on the',
    'bank. [Illustration: The Rabbit]',
    '',
    '*       *       *       *       *',
    '',
    'Then the Rabbit ran.',
    '',
    'CHAPTER II. IN WHICH PHILEAS FOGG AND PASSEPARTOUT ACCEPT EACH OTHER,',
    'THE ONE AS MASTER',
    '',
    'Mr. Phileas Fogg lived, in 1872, at No. 7, Saville Row.',
    '',
    '*** END OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***',
    '',
    'Licence text that must not be read.',
  ].join('\r\n');

  it('reads title and author, and chapters without the contents list, licence or apparatus', async () => {
    const book = await parseDocument(Buffer.from(text), 'test.txt');
    expect(book.title).toBe('A Test Book');
    expect(book.author).toBe('Ann Author');
    expect(book.chapters).toEqual<Chapter[]>([
      {
        title: 'Chapter I: Down the Rabbit-Hole',
        paragraphs: [
          'Chapter I: Down the Rabbit-Hole',
          'Alice was beginning to get very tired of sitting by her sister on the bank.',
          'Then the Rabbit ran.',
        ],
      },
      {
        title: 'Chapter II: IN WHICH PHILEAS FOGG AND PASSEPARTOUT ACCEPT EACH OTHER, THE ONE AS MASTER',
        paragraphs: [
          'Chapter II: IN WHICH PHILEAS FOGG AND PASSEPARTOUT ACCEPT EACH OTHER, THE ONE AS MASTER',
          'Mr. Phileas Fogg lived, in 1872, at No. 7, Saville Row.',
        ],
      },
    ]);
  });

  it('keeps prose before the first heading as an Opening chapter, and names a headingless text by its title', async () => {
    const opening = await parseDocument(Buffer.from('A preface that is long enough to be prose and not a title page at all, so it stays.\n\nChapter 1: Start\n\nText.'), 'p.txt');
    expect(opening.chapters.map((c) => c.title)).toEqual(['Opening', 'Chapter 1: Start']);
    expect(opening.chapters[0]?.paragraphs[0]).toMatch(/^A preface/);
    const plain = await parseDocument(Buffer.from('Just some text.\n\nAnd more.'), 'notes.txt', { fallbackTitle: 'My Notes' });
    expect(plain.chapters).toEqual([{ title: 'My Notes', paragraphs: ['Just some text.', 'And more.'] }]);
  });

  it('recognises the usual heading forms', async () => {
    const source = ['Chapter 1', 'One.', 'Chapter IV: The Fourth', 'Four.', 'CHAPTER TWENTY-ONE. Late', 'Late.', 'Chapter 3 was dull, he said.']
      .join('\n\n');
    const book = await parseDocument(Buffer.from(source), 'h.txt');
    expect(book.chapters.map((c) => c.title)).toEqual(['Chapter 1', 'Chapter IV: The Fourth', 'Chapter Twenty-One: Late']);
    expect(book.chapters[2]?.paragraphs).toEqual(['Chapter Twenty-One: Late', 'Late.', 'Chapter 3 was dull, he said.']);
  });
});

describe('parseDocument errors', () => {
  it('rejects unknown extensions and files with nothing to read', async () => {
    await expect(parseDocument(Buffer.from('x'), 'book.pdf')).rejects.toThrow(/book\.pdf: unsupported file type "\.pdf"/);
    await expect(parseDocument(Buffer.from('* * *\n\n---'), 'dots.txt')).rejects.toThrow(new InputError('dots.txt: no readable text'));
    await expect(parseDocument(Buffer.from('```\ncode\n```'), 'code.md')).rejects.toThrow(/code\.md: no readable text/);
  });
});

describe('splitChunks', () => {
  const chapter = (...paragraphs: string[]): Chapter => ({ title: 'T', paragraphs });

  it('packs whole paragraphs and says what each chunk ends with', () => {
    const chunks = splitChunks([chapter('One two.', 'Three four.', 'x'.repeat(15)), chapter('Next.')], 25);
    expect(chunks).toEqual<Chunk[]>([
      { index: 0, chapter: 0, text: 'One two.\n\nThree four.', pauseAfter: 'paragraph' },
      { index: 1, chapter: 0, text: 'x'.repeat(15), pauseAfter: 'chapter' },
      { index: 2, chapter: 1, text: 'Next.', pauseAfter: 'chapter' },
    ]);
  });

  it('cuts long paragraphs between sentences, then between words', () => {
    const chunks = splitChunks([chapter('Short one. A much longer sentence that goes on and on and on. End.', 'After.')], 30);
    expect(chunks.map((c) => [c.text, c.pauseAfter])).toEqual([
      ['Short one.', 'sentence'],
      ['A much longer sentence that', 'none'],
      ['goes on and on and on. End.', 'paragraph'],
      ['After.', 'chapter'],
    ]);
  });

  it('gives a word longer than maxChars a chunk of its own, and never an empty chunk', () => {
    const long = 'y'.repeat(40);
    const chunks = splitChunks([chapter('a b', long, '  ', 'c')], 20);
    expect(chunks.map((c) => c.text)).toEqual(['a b', long, 'c']);
  });

  it('rejects a maxChars too small to be useful', () => {
    expect(() => splitChunks([], 19)).toThrow(InputError);
    expect(() => splitChunks([], 19)).toThrow('maxChars must be an integer >= 20, got 19');
    expect(() => splitChunks([], 100.5)).toThrow(InputError);
  });
});
