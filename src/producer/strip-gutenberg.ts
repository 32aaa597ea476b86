import { parseChapterHeading } from './find-chapters.js';

/** What is left of a Project Gutenberg text once the licence and apparatus are gone. */
export interface StrippedText {
  /** The body, still normalized (trimmed lines, blank lines between paragraphs). */
  text: string;
  /** From the header's "Title:" line, when there is one. */
  title?: string;
  /** From the header's "Author:" line, when there is one. */
  author?: string;
}

const START_MARKER = /^\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG/i;
// Older texts close with a plain "End of the Project Gutenberg EBook of ..." line before the *** marker.
const END_MARKER = /^(?:\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG|End of (?:the )?Project Gutenberg)/i;
const CREDITS = /^(?:Produced|Transcribed|E-text prepared|Prepared) by\b/i;
// "*       *       *" scene breaks and rules of dashes, underscores or tildes carry nothing to read.
const SEPARATOR = /^(?:\*\s*){2,}$|^(?:[-_=~·•]\s*){3,}$/;
// "THE MILLENNIUM FULCRUM EDITION 3.0", "Second Edition": only ever a line on its own, never in prose.
const EDITION = /^[\p{L}\d.,'’ -]{0,60}\bedition(?:\s+\d+(?:\.\d+)*)?$/iu;
const ILLUSTRATION = /\[Illustration(?::[^\]]*)?\]/gi;
const CONTENTS = /^(?:table of )?contents\.?$/i;
// Limits on what can pass for a contents list: entries are short, and the list is not the book.
const MAX_CONTENTS_LINES = 400;
const MAX_ENTRY_CHARS = 150;

/** Drops a Gutenberg text's licence header and footer, separators, edition lines, illustrations and contents list. */
export function stripGutenberg(text: string): StrippedText {
  let lines = text.split('\n');
  const start = lines.findIndex((line) => START_MARKER.test(line));
  const header = start >= 0 ? lines.slice(0, start) : [];
  if (start >= 0) lines = lines.slice(start + 1);
  const end = lines.findIndex((line) => END_MARKER.test(line));
  if (end >= 0) lines = lines.slice(0, end);

  if (start >= 0) lines = dropCredits(lines);
  lines = lines
    .join('\n')
    .replace(ILLUSTRATION, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line, i, all) => !SEPARATOR.test(line) && !(EDITION.test(line) && isAlone(all, i)));
  lines = dropContents(lines);

  const body = lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  const title = headerField(header, 'Title');
  const author = headerField(header, 'Author');
  return { text: body, ...(title === undefined ? {} : { title }), ...(author === undefined ? {} : { author }) };
}

/** Whether a line is a paragraph by itself (blank lines or the text's ends around it). */
function isAlone(lines: string[], i: number): boolean {
  return (lines[i - 1] ?? '') === '' && (lines[i + 1] ?? '') === '';
}

/** "Produced by ..." blocks right after the start marker credit the transcribers, not the book. */
function dropCredits(lines: string[]): string[] {
  const first = lines.findIndex((line) => line !== '');
  if (first < 0 || !CREDITS.test(lines[first] ?? '')) return lines;
  let end = first;
  while (end < lines.length && lines[end] !== '') end++;
  return lines.slice(end);
}

/** A "Title:" or "Author:" field, with the continuation lines a long title wraps onto. */
function headerField(header: string[], field: string): string | undefined {
  const prefix = new RegExp(`^${field}:\\s*`, 'i');
  const at = header.findIndex((line) => prefix.test(line));
  if (at < 0) return undefined;
  const parts = [(header[at] ?? '').replace(prefix, '')];
  for (let i = at + 1; i < header.length; i++) {
    const line = header[i] ?? '';
    if (line === '' || /^[A-Za-z][A-Za-z ]*:/.test(line)) break;
    parts.push(line);
  }
  const value = parts.join(' ').trim();
  return value === '' ? undefined : value;
}

/**
 * Drops a "Contents" list so its chapter lines are not taken for headings. The list ends where an entry
 * comes round again (the real "CHAPTER I." after "CHAPTER I." ... "CHAPTER XII." in the list). When no
 * entry repeats, or what lies between does not look like a list (a long line, hundreds of lines, past
 * the front of the book), nothing is dropped: reading a list aloud beats losing text.
 */
function dropContents(lines: string[]): string[] {
  const at = lines.findIndex((line) => CONTENTS.test(line));
  if (at < 0 || at > lines.length / 4) return lines;
  const seen = new Set<string>();
  for (let i = at + 1; i < lines.length && i - at <= MAX_CONTENTS_LINES; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const keys = entryKeys(line);
    if (seen.size > 0 && keys.some((key) => seen.has(key))) {
      // A bare "CHAPTER I." line just before a repeated title belongs to the body, not the list.
      const bareHeadingBefore = parseChapterHeading(line) === undefined && parseChapterHeading(lines[i - 1] ?? '') !== undefined;
      const end = bareHeadingBefore ? i - 1 : i;
      return [...lines.slice(0, at), ...lines.slice(end)];
    }
    if (line.length > MAX_ENTRY_CHARS) return lines;
    for (const key of keys) seen.add(key);
  }
  return lines;
}

/** Ways a contents entry and its heading in the body can match: the chapter numeral, or the words. */
function entryKeys(line: string): string[] {
  const heading = parseChapterHeading(line);
  const keys = [`text:${wordsOf(line)}`];
  if (heading !== undefined) {
    keys.push(`number:${heading.numeral.toLowerCase()}`);
    if (heading.rest !== '') keys.push(`text:${wordsOf(heading.rest)}`);
  }
  return keys;
}

function wordsOf(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}
