import type { BookText, Chapter } from '../contracts/book-text.js';
import { normalizeText } from './normalize-text.js';
import { stripGluedNoteNumbers } from './strip-glued-note-numbers.js';

/** How a Markdown document is read. */
export interface MarkdownOptions {
  /** Title of the single chapter when the document has no headings. */
  fallbackTitle: string;
  /** Read fenced code blocks aloud instead of skipping them. Default false. */
  readCode?: boolean;
}

interface Block {
  text: string;
  /** Heading level 1-6, absent for ordinary paragraphs. */
  level?: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:[ \t]*\S/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?/;
const TABLE_DELIMITER = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$/;

/**
 * Reads a Markdown document as a book. Headings of the top level present start chapters (a lone
 * top-level heading at the start is the book's title, and the next level starts chapters); deeper
 * headings are read as paragraphs. Markup is stripped, code fences are skipped unless `readCode`.
 */
export function markdownToText(source: string, options: MarkdownOptions): BookText {
  const blocks = toBlocks(source, options.readCode ?? false);
  const levels = blocks.flatMap((block) => (block.level === undefined ? [] : [block.level]));
  let chapterLevel = Math.min(...levels);
  let title: string | undefined;
  const tops = blocks.filter((block) => block.level === chapterLevel);
  const deeper = levels.filter((level) => level > chapterLevel);
  if (tops.length === 1 && blocks[0] === tops[0] && deeper.length > 0) {
    title = tops[0]?.text;
    blocks.shift();
    chapterLevel = Math.min(...deeper);
  }
  const chapters: Chapter[] = [];
  const opening: string[] = [];
  for (const block of blocks) {
    if (block.level === chapterLevel) {
      chapters.push({ title: block.text, paragraphs: [block.text] });
    } else {
      (chapters.at(-1)?.paragraphs ?? opening).push(block.text);
    }
  }
  if (opening.length > 0) {
    chapters.unshift({ title: chapters.length === 0 ? (title ?? options.fallbackTitle) : 'Opening', paragraphs: opening });
  }
  return { ...(title === undefined ? {} : { title }), chapters };
}

/** Cuts the document into headings and paragraphs, each already reduced to plain text. */
function toBlocks(source: string, readCode: boolean): Block[] {
  const lines = dropFrontMatter(source.replace(/\r\n?/g, '\n'))
    // Comments and scripts can span lines; nothing in them is meant to be read.
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '')
    .split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = (): void => {
    const text = inlineToText(paragraph.join('\n'));
    if (/[\p{L}\p{N}]/u.test(text)) blocks.push({ text });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/^ {0,3}(?:> ?)+/, '');
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1] ?? '```';
      const code: string[] = [];
      for (i++; i < lines.length && !isFenceEnd(lines[i] ?? '', marker); i++) code.push(lines[i] ?? '');
      const text = normalizeText(code.join('\n')).replace(/\s+/g, ' ');
      if (readCode && text !== '') blocks.push({ text });
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      flush();
      const text = inlineToText(atx[2] ?? '');
      if (text !== '') blocks.push({ text, level: atx[1]?.length ?? 1 });
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && paragraph.length > 0) {
      const text = inlineToText(paragraph.join('\n'));
      paragraph = [];
      if (text !== '') blocks.push({ text, level: setext[1]?.startsWith('=') ? 1 : 2 });
      continue;
    }
    if (line.trim() === '' || RULE.test(line) || REFERENCE_DEFINITION.test(line) || TABLE_DELIMITER.test(line)) {
      flush();
      continue;
    }
    // Each list item is its own paragraph so that the voice pauses between items.
    if (LIST_ITEM.test(line)) flush();
    paragraph.push(line.replace(LIST_ITEM, '').replace(/^[ \t]*\||\|[ \t]*$/g, '').replace(/\|/g, ', '));
  }
  flush();
  return blocks;
}

function isFenceEnd(line: string, marker: string): boolean {
  const trimmed = line.trim();
  return trimmed.startsWith(marker.charAt(0).repeat(marker.length)) && /^[`~]+$/.test(trimmed);
}

/** A leading YAML front-matter block holds metadata, not text to read. */
function dropFrontMatter(source: string): string {
  const match = /^---\n[\s\S]*?\n(?:---|\.\.\.)\n/.exec(source);
  return match ? source.slice(match[0].length) : source;
}

/** Strips inline Markdown and HTML from one block, keeping the words a reader would see. */
function inlineToText(markdown: string): string {
  const kept: string[] = [];
  // Code spans and escaped characters are set aside first so emphasis stripping cannot touch them.
  const hold = (text: string): string => `\u0000${kept.push(text) - 1}\u0000`;
  const text = markdown
    .replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_, _ticks: string, code: string) => hold(code.trim()))
    .replace(/\\([!-/:-@[-`{-~])/g, (_, char: string) => hold(char))
    .replace(/!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])/g, '')
    .replace(/\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])/g, '$1')
    .replace(/<((?:https?|ftp|mailto):[^>\s]+|[^>\s@]+@[^>\s@]+)>/gi, (_, link: string) => hold(link.replace(/^mailto:/i, '')))
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(INLINE_HTML_SILENT, '')
    .replace(INLINE_HTML_NOTE_MARK, '')
    .replace(MATH_WITH_ALTTEXT, (_, alt: string) => ` ${alt} `)
    .replace(/<\/?[A-Za-z][^>]*>/g, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/\*(?=\S)([\s\S]*?\S)\*/g, '$1')
    // Underscores inside words (snake_case) are not emphasis.
    .replace(/(^|[^\p{L}\p{N}_])_(?=\S)([\s\S]*?\S)_(?![\p{L}\p{N}_])/gu, '$1$2');
  const restored = decodeEntities(text).replace(/\u0000(\d+)\u0000/g, (_, n: string) => kept[Number(n)] ?? '');
  return stripGluedNoteNumbers(normalizeText(restored).replace(/\s*\n\s*/g, ' '));
}

// HTML inside Markdown follows the EPUB rules where they fit on one line: ruby readings (<rt>, <rp>),
// media fallbacks and controls are never read; a note mark (<sup>1</sup>, <a href="#fn1">1</a>) is
// dropped; MathML is read by its alttext.
const INLINE_HTML_SILENT = /<(rt|rp|script|style|button|audio|video|canvas|noscript|select|textarea)\b[^>]*>[\s\S]*?<\/\1>/gi;
const INLINE_HTML_NOTE_MARK = /<sup\b[^>]*>\s*(?:<a\b[^>]*>)?\s*[[(]?(?:\d{1,3}|[*†‡§]+)[\])]?\s*(?:<\/a>)?\s*<\/sup>|<a\b[^>]*(?:epub:type|role)="(?:doc-)?noteref"[^>]*>[\s\S]*?<\/a>/gi;
const MATH_WITH_ALTTEXT = /<math\b[^>]*\balttext="([^"]*)"[^>]*>[\s\S]*?<\/math>/gi;

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', mdash: '—', ndash: '–', hellip: '…', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}
