import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readEpub } from '../../../src/producer/read-epub.js';
import { CORPUS } from '../../helpers/corpus.js';
import { epubBodyWords, textWords, wordSurplus } from '../../helpers/epub-body-words.js';

// What the reader must leave out, by the books' own markup. The expected words are every word of the
// spine's documents (read with a plain tag scanner, not the reader's parser) minus these elements.
const STANDARD_EBOOKS_EXCLUDED = ['imprint', 'colophon', 'copyright-page', 'titlepage', 'halftitlepage', 'toc', 'landmarks', 'endnotes', 'noteref', 'pagebreak'];
const GUTENBERG_EXCLUDED = ['pg-boilerplate', 'pg-header', 'pg-footer', 'pagenum'];
const BOILERPLATE = [/Standard Ebooks/i, /Uncopyright/i, /Project Gutenberg/i, /public domain/i, /May you do good and not evil/i, /Creative Commons/i];

const BOOKS = [
  { book: 'sherlock-holmes', exclude: STANDARD_EBOOKS_EXCLUDED, labels: [] },
  // The epigraph has no heading of its own, so its toc label is heard before it.
  { book: 'leaves-of-grass', exclude: STANDARD_EBOOKS_EXCLUDED, labels: ['Epigraph'] },
  { book: 'devils-dictionary', exclude: STANDARD_EBOOKS_EXCLUDED, labels: [] },
  // Gutenberg: the licence sections, page numbers, and the first document (title page, edition line,
  // contents table); around-the-world has one footnote, marked only by links ("fnref1" → "fn1").
  { book: 'alice', exclude: GUTENBERG_EXCLUDED, labels: [], skipFiles: (path: string) => /-h-0\.htm/.test(path) },
  { book: 'around-the-world', exclude: [...GUTENBERG_EXCLUDED, 'footnote', 'fnref1'], labels: [], skipFiles: (path: string) => /-h-0\.htm/.test(path) },
];

describe.each(BOOKS)('corpus $book.epub: every word of the body once, no boilerplate', ({ book, exclude, labels, skipFiles }) => {
  const buf = readFileSync(`${CORPUS}/${book}.epub`);
  const loaded = readEpub(buf, `${book}.epub`);

  it('reads exactly the words of the body, each as often as the book has it', async () => {
    const expected = [...(await epubBodyWords(buf, { exclude, ...(skipFiles ? { skipFiles } : {}) })), ...textWords(labels.join(' '))];
    const read = textWords((await loaded).chapters.flatMap((c) => c.paragraphs).join('\n'));
    // Compared as multisets: a word read twice or dropped once shows up on one side.
    expect(Object.fromEntries(wordSurplus(read, expected))).toEqual({});
    expect(Object.fromEntries(wordSurplus(expected, read))).toEqual({});
    expect(read.length).toBeGreaterThan(10_000);
  });

  it("reads none of the publisher's boilerplate", async () => {
    const text = (await loaded).chapters.flatMap((c) => c.paragraphs).join('\n');
    for (const pattern of BOILERPLATE) expect(text, String(pattern)).not.toMatch(pattern);
  });
});

describe('corpus leaves-of-grass.epub with --notes end', () => {
  const buf = readFileSync(`${CORPUS}/leaves-of-grass.epub`);

  it('reads each endnote once, at the end of the chapter that marks it, led by its number', async () => {
    const book = await readEpub(buf, 'leaves-of-grass.epub', { notes: 'end' });
    const body = await epubBodyWords(buf, { exclude: STANDARD_EBOOKS_EXCLUDED });
    // The notes themselves, without their back links (↩, no words), from the endnotes document alone.
    const notes = await epubBodyWords(buf, { exclude: ['imprint', 'colophon', 'copyright-page', 'titlepage', 'halftitlepage', 'toc', 'landmarks'], skipFiles: (p) => !p.endsWith('endnotes.xhtml') }).then((w) => w.filter((x, i) => i > 0 || x !== 'endnotes'));
    const marks = Array.from({ length: 10 }, (_, i) => String(i + 1));
    const read = textWords(book.chapters.flatMap((c) => c.paragraphs).join('\n'));
    const expected = [...body, ...textWords('Epigraph'), ...notes, ...marks];
    expect(Object.fromEntries(wordSurplus(read, expected))).toEqual({});
    expect(Object.fromEntries(wordSurplus(expected, read))).toEqual({});
    // Note 1 (Navesink) follows the poem that marks it, not the end of the book.
    const withNote = book.chapters.find((c) => c.paragraphs.some((p) => p.startsWith('1. Navesink')));
    expect(withNote?.paragraphs.at(-1)).toMatch(/^1\. Navesink/);
    expect(book.chapters.at(-1)).not.toBe(withNote);
  });
});
