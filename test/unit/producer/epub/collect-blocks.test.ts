import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../../src/errors.js';
import type { BookText } from '../../../../src/contracts/book-text.js';
import type { ReadingOptions } from '../../../../src/producer/epub/reading-options.js';
import { loadBook } from '../../../../src/producer/load-book.js';
import { parseDocument } from '../../../../src/producer/parse-document.js';
import { planBook } from '../../../../src/producer/plan-book.js';
import { narrationInstructions } from '../../../../src/providers/narration-instructions.js';
import { readEpub } from '../../../../src/producer/read-epub.js';
import { buildEpub, fixture, singleDocEpub, type EpubSpec } from '../../../helpers/build-epub.js';

// One test per rule of README "What is read from an EPUB", each on a hand-written fixture in
// test/fixtures/epub. Each asserts what a listener would hear: the paragraphs sent to the model.

async function read(spec: EpubSpec | Buffer, options: Partial<ReadingOptions> = {}): Promise<BookText> {
  return readEpub(Buffer.isBuffer(spec) ? spec : await buildEpub(spec), 'fixture.epub', options);
}

function heard(book: BookText): string {
  return book.chapters.flatMap((chapter) => chapter.paragraphs).join('\n');
}

const notesBook: EpubSpec = {
  docs: [
    { path: 'notes.xhtml', xhtml: fixture('notes.xhtml') },
    { path: 'endnotes.xhtml', xhtml: fixture('endnotes.xhtml') },
  ],
  toc: [
    { label: 'The Notes Chapter', href: 'notes.xhtml' },
    { label: 'Endnotes', href: 'endnotes.xhtml' },
  ],
};

describe('notes', () => {
  it('reads neither note marks nor notes by default, and keeps real numbers', async () => {
    const book = await read(notesBook);
    expect(book.chapters.map((c) => c.title)).toEqual(['The Notes Chapter']);
    expect(book.chapters[0]?.paragraphs).toEqual([
      'The Notes Chapter',
      'The river rose in spring. It flooded the upper Savannah and left a handful of dust. Nobody forgot 1984, Louis XIV or the B2 road.',
      'A second claim closes the chapter.',
    ]);
  });

  it('with --notes end reads each note once at the end of the chapter that marks it, led by its mark', async () => {
    const book = await read(notesBook, { notes: 'end' });
    expect(book.chapters).toHaveLength(1);
    expect(book.chapters[0]?.paragraphs.slice(-2)).toEqual(['1. Footnote text about floods.', '3. Endnote text about claims.']);
    expect(heard(book)).not.toMatch(/↩|Endnotes/);
  });

  it('drops note numbers glued to words in plain text too, not real numbers', async () => {
    const text = await parseDocument(Buffer.from('It flooded the upper Savannah1 and a handful of dust.30 In 1984 Louis XIV met B2 and H2O.'), 'n.txt');
    expect(text.chapters[0]?.paragraphs).toEqual(['It flooded the upper Savannah and a handful of dust. In 1984 Louis XIV met B2 and H2O.']);
  });
});

describe('navigation', () => {
  it('reads no in-page contents (marked or not), page-break markers, link bars or index', async () => {
    const book = await read(await singleDocEpub('navigation.xhtml'));
    expect(book.chapters[0]?.paragraphs).toEqual([
      'Navigation Inside',
      'First real paragraph continues after the page break.',
      'Second real paragraph.',
    ]);
  });

  it('reads prose whose every paragraph links elsewhere: link text is a small share of it', async () => {
    const book = await read(await singleDocEpub('cross-references.xhtml'));
    expect(book.chapters[0]?.paragraphs).toHaveLength(7);
    expect(heard(book)).toContain('See the deployment chapter for the rest of the setup and its checks.');
    // A list whose every item links somewhere is still prose when the links are a small part of its text.
    expect(heard(book)).toContain('The store option names the directory or bucket that every worker shares.');
  });

  it('drops running headers and footers repeated on every page, keeping the text between', async () => {
    const docs = [1, 2, 3, 4].map((i) => ({ path: `running-${i}.xhtml`, xhtml: fixture(`running-${i}.xhtml`) }));
    const book = await read({ docs, toc: docs.map((d, i) => ({ label: `Part ${i + 1}`, href: d.path })) });
    expect(book.chapters.map((c) => c.paragraphs)).toEqual([1, 2, 3, 4].map((i) => [`Part ${i}`, `Story text of part ${i} is about ${["", "apples", "pears", "plums", "figs"][i]}.`]));
  });

  it('never reads navigation labels repeated in most documents, and reads a licence repeated in each of them once', async () => {
    // As a DITA-made textbook has them: "Parent topic:", "Previous topic:", "Next topic:" beside links, and a
    // licence, copyright line and URL at the start of every topic, in the middle of its first paragraph.
    const docs = [1, 2, 3, 4].map((i) => ({ path: `topic-${i}.xhtml`, xhtml: fixture(`topic-${i}.xhtml`) }));
    const book = await read({ docs, toc: docs.map((d, i) => ({ label: `Topic ${i + 1}`, href: d.path })) });
    const fruit = ['', 'apples', 'pears', 'plums', 'figs'];
    const own = (i: number): string[] => [`Topic ${i} is about ${fruit[i]}.`, `More on ${fruit[i]}`, 'Note', `Every ${fruit[i]} grows on a tree; see the first topic for trees.`, `Closing words about ${fruit[i]}.`];
    const licence = ['Version 2.30', '© 2004.', 'Licensed under the GNU Free Documentation License.', 'http://fruit.example.org/'];
    expect(book.chapters.map((c) => c.paragraphs)).toEqual(
      [1, 2, 3, 4].map((i) => [`Topic ${i}`, `Opening words about ${fruit[i]}.`, ...(i === 1 ? licence : []), ...own(i)]),
    );
    expect(heard(book)).not.toMatch(/topic:/i);
  });
});

describe('publisher pages', () => {
  const spec: EpubSpec = {
    docs: [
      { path: 'publisher.xhtml', xhtml: fixture('publisher.xhtml') },
      { path: 'code.xhtml', xhtml: fixture('code.xhtml') },
    ],
    toc: [
      { label: 'Imprint', href: 'publisher.xhtml' },
      { label: 'Listings', href: 'code.xhtml' },
    ],
  };

  it('drops imprint, copyright and colophon pages; --keep-front-matter keeps them', async () => {
    const book = await read(spec);
    expect(book.chapters.map((c) => c.title)).toEqual(['Listings']);
    expect(heard(book)).not.toMatch(/Example Press|Copyright|Colophon/);
    const kept = await read(spec, { keepFrontMatter: true });
    expect(kept.chapters.map((c) => c.title)).toEqual(['Imprint', 'Listings']);
    expect(kept.chapters[0]?.paragraphs).toEqual([
      'Imprint',
      'This ebook was produced by Example Press volunteers.',
      'Copyright notice of the edition.',
      'Colophon: set in a typeface.',
    ]);
  });
});

describe('code', () => {
  it('skips markup set as text in a paragraph or an inline <code>, keeps a tag named in prose; --read-code reads it', async () => {
    const book = await read(await singleDocEpub('markup-text.xhtml'));
    expect(book.chapters[0]?.paragraphs).toEqual([
      'Live regions',
      'We could have instead set up an alert region as follows:',
      'The <nav> element holds the table of contents.',
      'Description:; The display-seq property orders titles.',
      'That is all there is to it.',
    ]);
    const withCode = heard(await read(await singleDocEpub('markup-text.xhtml'), { readCode: true }));
    expect(withCode).toContain('<div role="alert” id="results"/>');
    expect(withCode).toContain('Example:; <meta refines="#t2" property="display-seq">1</meta>');
  });

  it('skips code listings and markup, reads a plain <pre> poem and inline code; --read-code reads listings', async () => {
    const book = await read(await singleDocEpub('code.xhtml'));
    expect(book.chapters[0]?.paragraphs).toEqual(['Listings', 'The function below adds numbers.', 'Roses are red, Violets are blue.', 'Use npm test to run it.']);
    const withCode = heard(await read(await singleDocEpub('code.xhtml'), { readCode: true }));
    expect(withCode).toContain('function add(a, b) { return a + b; }');
    expect(withCode).toContain('print("listing in a div")');
  });
});

describe('media and controls', () => {
  it('never reads player controls or the fallback messages of audio, video and canvas', async () => {
    const book = await read(await singleDocEpub('media.xhtml'));
    expect(book.chapters[0]?.paragraphs).toEqual(['Media', 'The song begins.', 'The song ends.']);
  });
});

describe('ruby', () => {
  it('reads the base text once, never the reading, and offers readings as hints; Japanese prose is not taken for a title page', async () => {
    const book = await read({
      language: 'ja',
      docs: [
        { path: 'japanese.xhtml', xhtml: fixture('japanese.xhtml') },
        { path: 'japanese-2.xhtml', xhtml: fixture('japanese-2.xhtml') },
      ],
      toc: [
        { label: '一', href: 'japanese.xhtml' },
        { label: '二', href: 'japanese-2.xhtml' },
      ],
    });
    expect(book.language).toBe('ja');
    // The first chapter is two short Japanese sentences (few spaces): it is prose and is kept.
    expect(book.chapters.map((c) => c.paragraphs)).toEqual([
      ['一', '山路を登りながら、こう考えた。', '智に働けば角が立つ。'],
      ['二', '情に棹させば流される。意地を通せば窮屈だ。とかくに人の世は住みにくい。'],
    ]);
    expect(book.readings).toEqual(new Map([['山路', 'やまみち'], ['智', 'ち']]));
  });
});

describe('front matter by shape', () => {
  it('counts words with Intl.Segmenter, not spaces: a long line of Japanese verse opening the book is not a title page', async () => {
    const book = await read({
      language: 'ja',
      docs: [
        { path: 'japanese-verse.xhtml', xhtml: fixture('japanese-verse.xhtml') },
        { path: 'japanese-2.xhtml', xhtml: fixture('japanese-2.xhtml') },
      ],
      toc: [
        { label: '春', href: 'japanese-verse.xhtml' },
        { label: '二', href: 'japanese-2.xhtml' },
      ],
    });
    expect(book.chapters.map((c) => c.title)).toEqual(['春', '二']);
  });
});

describe('MathML', () => {
  it('reads alttext, else speech from speech-rule-engine: no hole in the sentence', async () => {
    const book = await read(await singleDocEpub('math.xhtml'));
    expect(book.chapters[0]?.paragraphs[1]).toBe('You can easily check by substitution that x equals one and y squared are both solutions.');
  });
});

describe('tables', () => {
  it('reads a table of one or two rows as text however wide, and counts rows and columns in the notice of a large one', async () => {
    const book = await read(await singleDocEpub('small-tables.xhtml'));
    expect(book.chapters[0]?.paragraphs).toEqual([
      'Small tables',
      'Lorentz Corolle 2008.',
      '9 ha; 80 000 bottles; 8 to 11 euros',
      'A: 1; B: 2; C: 3; D: 4; E: 5; F: 6; G: 7; H: 8',
      'A: 9; B: 10; C: 11; D: 12; E: 13; F: 14; G: 15; H: 16',
      'Cubes',
      'A table of 74 rows and 3 columns, not read aloud.',
      'Counting',
      'A table of 30 rows and 1 column, not read aloud.',
    ]);
  });

  it('reads rows with their header labels, replaces a large grid by a short note, reads layout tables as text', async () => {
    const book = await read(await singleDocEpub('tables.xhtml'));
    expect(book.chapters[0]?.paragraphs).toEqual([
      'Tables',
      'Pioneers',
      'Name: Ada Lovelace; Born: 1815',
      'Name: Alan Turing; Born: 1912',
      'Squares',
      'A table of 25 rows and 2 columns, not read aloud.',
      'Layout cell prose.',
    ]);
  });
});

describe('figures', () => {
  it('reads a figcaption but not the alt text of an illustration in a reflowable book', async () => {
    const book = await read(await singleDocEpub('figures.xhtml'));
    expect(book.chapters[0]?.paragraphs).toEqual(['Figures', 'The island in 1850.', 'After the figure.']);
  });

  it('reads alt text where the image is the content: a fixed-layout page', async () => {
    const book = await read(await singleDocEpub('comic-page.xhtml', { fixedLayout: true }));
    expect(heard(book)).toBe('Chapter\nThe cat jumps over the fence and waves.');
  });

  it('still fails an image-only book with "no readable text"', async () => {
    const buf = await singleDocEpub('images-only.xhtml');
    await expect(parseDocument(buf, 'plates.epub')).rejects.toThrow(new InputError('plates.epub: no readable text'));
  });
});

describe('fallbacks', () => {
  it('reads the epub:switch default only, object fallback unless the object is text, and inline SVG text', async () => {
    const book = await read({
      docs: [{ path: 'fallbacks.xhtml', xhtml: fixture('fallbacks.xhtml') }],
      extra: [{ path: 'inset.xhtml', data: fixture('inset.xhtml'), type: 'application/xhtml+xml' }],
      toc: [{ label: 'Fallbacks', href: 'fallbacks.xhtml' }],
    });
    expect(book.chapters[0]?.paragraphs).toEqual([
      'Fallbacks',
      'Default branch text.',
      'Sales rose in the third quarter.',
      'Inset document text.',
      'Harbour entrance Lighthouse',
      'End of fallbacks.',
    ]);
  });
});

describe('chapter titles', () => {
  it("speaks the document's own heading instead of the toc label, once", async () => {
    const book = await read({
      docs: [{ path: 'titles.xhtml', xhtml: fixture('titles.xhtml') }],
      toc: [{ label: 'I. The Rabbi and the Diadem', href: 'titles.xhtml' }],
    });
    expect(book.chapters[0]?.title).toBe('I. The Rabbi and the Diadem');
    expect(book.chapters[0]?.paragraphs[0]).toBe('1. The Rabbi and The Diadem');
    expect(heard(book)).not.toContain('I. The Rabbi');
  });

  it('starts a chapter where a toc entry points into the middle of a document (even at a page-break marker)', async () => {
    const book = await read({
      docs: [{ path: 'titles.xhtml', xhtml: fixture('titles.xhtml') }],
      toc: [
        { label: 'The Rabbi', href: 'titles.xhtml' },
        { label: 'The Second Half', href: 'titles.xhtml#second-half' },
      ],
    });
    expect(book.chapters.map((c) => c.paragraphs)).toEqual([
      ['1. The Rabbi and The Diadem', 'The rabbi kept the diadem in a box.', 'He never opened it'],
      ['The Second Half', 'until the second half of the story began here.'],
    ]);
  });

  it('hears a toc entry that shares its spot with the next one at the start of that chapter, even first in the book', async () => {
    const book = await read({
      docs: [{ path: 'french.xhtml', xhtml: fixture('french.xhtml') }],
      toc: [
        { label: 'Part One', href: 'french.xhtml' },
        { label: 'The King', href: 'french.xhtml' },
      ],
    });
    expect(book.chapters).toEqual([{ title: 'Part One: The King', paragraphs: ['Part One', 'The King', 'Il était une fois un roi qui avait trois filles.'] }]);
  });

  it('never speaks a navigation label such as "Commencer la lecture" (an Arabic book)', async () => {
    const book = await read({
      language: 'ar',
      docs: [{ path: 'arabic.xhtml', xhtml: fixture('arabic.xhtml') }],
      toc: [{ label: 'Commencer la lecture', href: 'arabic.xhtml' }],
    });
    expect(book.language).toBe('ar');
    expect(book.chapters.map((c) => c.paragraphs)).toEqual([['ذهب الولد إلى المدرسة في الصباح الباكر.', 'وعاد إلى البيت عند المساء.']]);
    expect(book.chapters[0]?.title).toBe('Untitled');
  });

  it('never speaks a reading-system phrase in the book\'s own script either, nor a label in another script', async () => {
    const french = await read({
      language: 'fr',
      docs: [{ path: 'french.xhtml', xhtml: fixture('french.xhtml') }],
      toc: [{ label: 'Commencer la lecture', href: 'french.xhtml' }],
    });
    expect(french.chapters.map((c) => c.paragraphs)).toEqual([['Il était une fois un roi qui avait trois filles.']]);
    const arabic = await read({
      language: 'ar',
      docs: [{ path: 'arabic.xhtml', xhtml: fixture('arabic.xhtml') }],
      toc: [{ label: 'Lire le conte', href: 'arabic.xhtml' }],
    });
    expect(arabic.chapters[0]?.paragraphs[0]).toBe('ذهب الولد إلى المدرسة في الصباح الباكر.');
  });
});

describe('HTML inside Markdown', () => {
  it('follows the same rules: ruby base once, no note marks, MathML alttext, no media fallback', async () => {
    const markdown = [
      '# 一',
      '',
      '<ruby>山路<rp>(</rp><rt>やまみち</rt><rp>)</rp></ruby>を登りながら、こう考えた。',
      '',
      'The upper Savannah<sup>1</sup> and <math alttext="x squared"><msup><mi>x</mi><mn>2</mn></msup></math> rose.<a epub:type="noteref" href="#n2">2</a>',
      '',
      '<audio controls>Your Reading System does not support audio.</audio> Then it ended.',
    ].join('\n');
    const book = await parseDocument(Buffer.from(markdown), 'html.md');
    expect(book.chapters[0]?.paragraphs).toEqual(['一', '山路を登りながら、こう考えた。', 'The upper Savannah and x squared rose.', 'Then it ended.']);
  });
});

describe('ruby readings as pronunciation hints', () => {
  it("are given to the model in the instructions of the chunks that hold the word, never in the text", async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'narrate-ruby-')), 'kusamakura.epub');
    await writeFile(path, await buildEpub({
      language: 'ja',
      docs: [
        { path: 'japanese.xhtml', xhtml: fixture('japanese.xhtml') },
        { path: 'japanese-2.xhtml', xhtml: fixture('japanese-2.xhtml') },
      ],
      toc: [
        { label: '一', href: 'japanese.xhtml' },
        { label: '二', href: 'japanese-2.xhtml' },
      ],
    }));
    const book = await loadBook(path);
    const plan = planBook(book, { outDir: 'out', slug: 'k', defaultVoice: 'alloy', defaultMaxChars: 1200, defaultStyle: '' });
    expect(plan.synthesize.map((job) => job.hints)).toEqual(['山路 = やまみち; 智 = ち', undefined]);
    expect(plan.synthesize.map((job) => job.text).join('')).not.toMatch(/やまみち/);
    const instructions = narrationInstructions({ hints: plan.synthesize[0]!.hints! });
    expect(instructions).toContain('Pronunciation: 山路 = やまみち; 智 = ち.');
  });
});
