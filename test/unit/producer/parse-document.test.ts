import { readFileSync } from 'node:fs';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { parseDocument } from '../../../src/producer/parse-document.js';
import { readEpub } from '../../../src/producer/read-epub.js';

import { CORPUS } from '../../helpers/corpus.js';

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Share of words two texts have in common, counted with repetition: 1 means the same words. */
function wordOverlap(a: string[], b: string[]): number {
  const counts = new Map<string, number>();
  for (const word of a) counts.set(word, (counts.get(word) ?? 0) + 1);
  let common = 0;
  for (const word of b) {
    const left = counts.get(word) ?? 0;
    if (left > 0) {
      common++;
      counts.set(word, left - 1);
    }
  }
  return common / Math.max(a.length, b.length);
}

/** The EPUB's own table of contents, read straight from its NCX, independent of the reader under test. */
async function tocLabels(buf: Buffer): Promise<string[]> {
  const zip = await JSZip.loadAsync(buf);
  const ncxPath = Object.keys(zip.files).find((path) => path.endsWith('.ncx'));
  const ncx = await zip.file(ncxPath ?? '')!.async('string');
  return [...ncx.matchAll(/<navLabel>\s*<text>([^<]*)<\/text>/g)].map((match) => match[1]!.trim());
}

const BOOKS = [
  {
    book: 'alice',
    title: "Alice's Adventures in Wonderland",
    author: 'Lewis Carroll',
    chapters: 12,
    // Toc entries that are not narrated: the title page, the edition line, the contents list and
    // Gutenberg's licence.
    skipped: ['Alice’s Adventures in Wonderland', 'THE MILLENNIUM FULCRUM EDITION 3.0', 'Contents', 'THE FULL PROJECT GUTENBERG LICENSE'],
  },
  {
    book: 'around-the-world',
    title: 'Around the World in Eighty Days',
    author: 'Jules Verne',
    chapters: 37,
    skipped: ['Around the World in Eighty Days', 'Contents', 'THE FULL PROJECT GUTENBERG LICENSE'],
  },
] as const;

describe.each(BOOKS)('corpus $book.epub', ({ book: name, title, author, chapters: count, skipped }) => {
  const buf = readFileSync(`${CORPUS}/${name}.epub`);
  const loaded = readEpub(buf, `${name}.epub`);

  it('has the chapters of its table of contents, titled like the plain-text reader titles them', async () => {
    const book = await loaded;
    const labels = await tocLabels(buf);
    const chapterLabels = labels.filter((label) => /^CHAPTER /.test(label));
    expect(labels.filter((label) => !chapterLabels.includes(label))).toEqual(skipped);
    expect(chapterLabels).toHaveLength(count);
    // "CHAPTER I. Down the Rabbit-Hole" → "Chapter I: Down the Rabbit-Hole"
    const expected = chapterLabels.map((label) => label.replace(/^CHAPTER ([IVXLC]+)\. /, 'Chapter $1: '));
    expect(book.chapters.map((chapter) => chapter.title)).toEqual(expected);
  });

  it('takes title and author from the metadata', async () => {
    const book = await loaded;
    expect(book.title).toBe(title);
    expect(book.author).toBe(author);
  });

  it('reads each chapter title once, first, and never the licence', async () => {
    const book = await loaded;
    for (const chapter of book.chapters) {
      expect(chapter.paragraphs[0]).toBe(chapter.title);
      expect(chapter.paragraphs.slice(1).some((p) => p.startsWith('CHAPTER '))).toBe(false);
      expect(chapter.paragraphs.join(' ')).not.toMatch(/Gutenberg|<|&[a-z]+;/i);
    }
  });

  it("has nearly the same words as the plain-text edition", async () => {
    // Not identical: the editions differ in spelling here and there, the EPUB marks emphasis in
    // italics where the text uses capitals (same words), and around-the-world.txt has no headings.
    const book = await loaded;
    const text = await parseDocument(readFileSync(`${CORPUS}/${name}.txt`), `${name}.txt`);
    const epubWords = words(book.chapters.flatMap((c) => c.paragraphs).join(' '));
    const textWords = words(text.chapters.flatMap((c) => c.paragraphs).join(' '));
    expect(wordOverlap(epubWords, textWords)).toBeGreaterThan(0.98);
  });
});

/** A small EPUB 2 (NCX, no nav document) with the markup a reader meets in the wild. */
async function smallEpub(options: { container?: boolean; opf?: boolean } = {}): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip');
  if (options.container !== false) {
    zip.file(
      'META-INF/container.xml',
      `<?xml version="1.0"?><container><rootfiles><rootfile full-path="OPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`,
    );
  }
  if (options.opf !== false) {
    zip.file(
      'OPS/book.opf',
      `<?xml version="1.0"?><package xmlns:dc="http://purl.org/dc/elements/1.1/"><metadata><dc:title>Small &amp; Fine</dc:title><dc:creator>A. Writer</dc:creator></metadata>
      <manifest><item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/><item id="cover" href="text/cover.xhtml" media-type="application/xhtml+xml"/>
      <item id="one" href="text/one%20a.xhtml" media-type="application/xhtml+xml"/><item id="two" href="text/two.xhtml" media-type="application/xhtml+xml"/></manifest>
      <spine toc="ncx"><itemref idref="cover"/><itemref idref="one"/><itemref idref="two"/></spine></package>`,
    );
  }
  zip.file(
    'OPS/toc.ncx',
    `<?xml version="1.0"?><ncx><navMap>
      <navPoint id="a"><navLabel><text>Chapter 1. Beginnings</text></navLabel><content src="text/one%20a.xhtml"/></navPoint>
      <navPoint id="b"><navLabel><text>Interlude</text></navLabel><content src="text/one%20a.xhtml#mid"/></navPoint>
      <navPoint id="c"><navLabel><text>Chapter 2. Endings</text></navLabel><content src="text/two.xhtml#c2"/></navPoint>
    </navMap></ncx>`,
  );
  zip.file('OPS/text/cover.xhtml', `<html><body><img src="cover.jpg" alt="Cover"/></body></html>`);
  zip.file(
    'OPS/text/one a.xhtml',
    `<?xml version="1.0"?><!DOCTYPE html><html><head><title>One</title><style>p { color: red }</style></head><body>
      <h1>Chapter 1.<br/>Beginnings</h1><p>It was a <i>dark</i> night&#8212;caf&eacute; closed.<br/>Line two.</p>
      <script>alert("no")</script><div>Block <span class="pagenum">[Pg 7]</span>text.</div>
      <h2 id="mid">Interlude</h2><p>Between.</p></body></html>`,
  );
  zip.file('OPS/text/two.xhtml', `<html><body><section><h1 id="c2">Chapter 2. Endings</h1><ul><li>First item</li><li>Second</li></ul></section></body></html>`);
  return zip.generateAsync({ type: 'nodebuffer' });
}

describe('readEpub', () => {
  it('follows an NCX table of contents, splitting a file at fragment targets', async () => {
    const book = await readEpub(await smallEpub(), 'small.epub');
    expect(book).toEqual({
      title: 'Small & Fine',
      author: 'A. Writer',
      chapters: [
        {
          title: 'Chapter 1: Beginnings',
          paragraphs: ['Chapter 1: Beginnings', 'It was a dark night—café closed.', 'Line two.', 'Block text.'],
        },
        { title: 'Interlude', paragraphs: ['Interlude', 'Between.'] },
        { title: 'Chapter 2: Endings', paragraphs: ['Chapter 2: Endings', 'First item', 'Second'] },
      ],
    });
  });

  it('returns the language the package declares (dc:language), and none when it declares none', async () => {
    const sherlock = await readEpub(readFileSync(`${CORPUS}/sherlock-holmes.epub`), 'sherlock-holmes.epub');
    expect(sherlock.language).toBe('en-GB');
    const small = await readEpub(await smallEpub(), 'small.epub');
    expect(small.language).toBeUndefined();
  });

  it('names the file and the reason when it is not an EPUB', async () => {
    await expect(readEpub(Buffer.from('plain text'), 'x.epub')).rejects.toThrow(new InputError('x.epub: not an EPUB (not a zip archive)'));
    await expect(readEpub(await smallEpub({ container: false }), 'y.epub')).rejects.toThrow(
      new InputError('y.epub: not an EPUB (no META-INF/container.xml)'),
    );
    await expect(readEpub(await smallEpub({ opf: false }), 'z.epub')).rejects.toThrow(
      new InputError('z.epub: not an EPUB (no OPF package file at OPS/book.opf)'),
    );
  });
});
