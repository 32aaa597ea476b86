import type { Chapter } from '../contracts/book-text.js';

/** A chapter heading line taken apart: "CHAPTER XII. Alice's Evidence" → numeral "XII", rest "Alice's Evidence". */
export interface ChapterHeading {
  /** "Chapter", or the section name for unnumbered ones ("Prologue"). */
  label: string;
  /** As in the book ("XII", "12", "Twelve"); empty for unnumbered sections. */
  numeral: string;
  /** The chapter's own title, as in the book (all-caps titles stay all-caps); may be empty. */
  rest: string;
}

const NUMBER_WORD =
  '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)';
// A well-formed roman numeral, so that prose such as "Chapter mild ..." is not taken for one.
const ROMAN = '(?=[ivxlcdm])m{0,4}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})';
const NUMERAL = `(?:\\d+|${ROMAN}|${NUMBER_WORD}(?:[- ]${NUMBER_WORD})*)`;
const NUMBERED = new RegExp(`^chapter\\s+(${NUMERAL})(?![\\p{L}\\p{N}])\\s*([.:\\-–—]?)\\s*(.*)$`, 'iu');
const NAMED = /^(prologue|epilogue|preface|introduction|foreword|afterword)(?:\s*[.:\-–—]\s*(.*)|\.?)$/iu;
// Headings are short; a longer block that starts like one is a heading line followed by its text.
const MAX_HEADING_LINES = 3;
const MAX_HEADING_WORDS = 30;
// Text before the first heading is a title page when it is a few short lines; real prose is kept.
const TITLE_PAGE_LINE_WORDS = 12;
const TITLE_PAGE_WORDS = 50;

/** Recognises a chapter heading line ("CHAPTER I.", "Chapter 4: Title", "CHAPTER XII. Alice's Evidence", "Prologue"). */
export function parseChapterHeading(line: string): ChapterHeading | undefined {
  const numbered = NUMBERED.exec(line.trim());
  if (numbered) {
    const [, numeral = '', separator = '', rest = ''] = numbered;
    // "Chapter 3 was dull" is prose: a title after the numeral comes after punctuation or starts with a capital.
    if (separator === '' && rest !== '' && !/^[\p{Lu}\p{N}"“‘'(]/u.test(rest)) return undefined;
    return { label: 'Chapter', numeral: formatNumeral(numeral), rest: cleanRest(rest) };
  }
  const named = NAMED.exec(line.trim());
  if (named) return { label: capitalize(named[1] ?? ''), numeral: '', rest: cleanRest(named[2] ?? '') };
  return undefined;
}

/** The title narrate uses for a heading: "Chapter I: Down the Rabbit-Hole", "Chapter 12", "Prologue". */
export function formatChapterTitle(heading: ChapterHeading): string {
  const name = heading.numeral === '' ? heading.label : `${heading.label} ${heading.numeral}`;
  return heading.rest === '' ? name : `${name}: ${heading.rest}`;
}

/**
 * Splits normalized plain text into chapters at heading lines. Each heading becomes the chapter's
 * title and its first paragraph (so it is heard). Paragraphs are blank-line separated blocks with
 * hard-wrapped lines joined by spaces. Prose before the first heading becomes an "Opening" chapter
 * (a few short title-page lines are dropped); text with no headings is one chapter named `bookTitle`.
 */
export function findChapters(text: string, bookTitle: string): Chapter[] {
  const chapters: Chapter[] = [];
  const preamble: string[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    if (lines.length === 0) continue;
    const heading = headingOf(lines);
    if (heading) {
      chapters.push({ title: heading.title, paragraphs: [heading.title, ...heading.body] });
    } else {
      const paragraph = lines.join(' ');
      const current = chapters.at(-1);
      if (current) current.paragraphs.push(paragraph);
      else preamble.push(paragraph);
    }
  }
  if (chapters.length === 0) return preamble.length === 0 ? [] : [{ title: bookTitle, paragraphs: preamble }];
  // Invented titles ("Opening", the book title) are not read aloud: only headings found in the text are.
  if (!isTitlePage(preamble)) chapters.unshift({ title: 'Opening', paragraphs: preamble });
  return chapters;
}

function headingOf(lines: string[]): { title: string; body: string[] } | undefined {
  const [first = '', ...more] = lines;
  const heading = parseChapterHeading(first);
  if (!heading) return undefined;
  const words = countWords(lines.join(' '));
  const last = more.at(-1) ?? '';
  // A bare "CHAPTER I." followed by a sentence is the heading and its first paragraph, not a wrapped title.
  const moreIsProse = heading.rest === '' && /\.["'”’)]*$/.test(last) && last !== last.toUpperCase();
  if (more.length > 0 && lines.length <= MAX_HEADING_LINES && words <= MAX_HEADING_WORDS && !moreIsProse) {
    const rest = cleanRest([heading.rest, ...more].join(' '));
    return { title: formatChapterTitle({ ...heading, rest }), body: [] };
  }
  return { title: formatChapterTitle(heading), body: more.length === 0 ? [] : [more.join(' ')] };
}

function isTitlePage(paragraphs: string[]): boolean {
  const words = paragraphs.map(countWords);
  return words.every((count) => count <= TITLE_PAGE_LINE_WORDS) && words.reduce((a, b) => a + b, 0) < TITLE_PAGE_WORDS;
}

function formatNumeral(numeral: string): string {
  if (/^\d+$/.test(numeral)) return numeral;
  if (new RegExp(`^${ROMAN}$`, 'i').test(numeral)) return numeral.toUpperCase();
  return numeral.toLowerCase().replace(/(^|[- ])(\p{L})/gu, (_, sep: string, letter: string) => sep + letter.toUpperCase());
}

/** Drops the punctuation that only separated the title from the numeral, and a closing full stop. */
function cleanRest(rest: string): string {
  return rest.replace(/^[\s.:\-–—]+/, '').replace(/(?<!\.)\.$/, '').replace(/\s+/g, ' ').trim();
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}
