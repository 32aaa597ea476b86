import type { Chapter } from '../../contracts/book-text.js';
import { countWords } from '../count-words.js';
import { formatChapterTitle, parseChapterHeading } from '../find-chapters.js';
import type { Block, Flow, NoteRef } from './collect-blocks.js';
import { isNavigationLabel } from './navigation-label.js';
import type { ReadingOptions } from './reading-options.js';
import type { TocEntry } from './read-toc.js';

const START_MARKER = /^\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG/i;
const END_MARKER = /^\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG/i;
const CONTENTS_TITLE = /^(?:table of )?contents$/i;
const UNTITLED = 'Untitled';
// Leading toc entries this small, with no sentence in them, are a title page or an edition line.
const TITLE_PAGE_BLOCK_WORDS = 12;
const TITLE_PAGE_WORDS = 50;
const SENTENCE_END = /[.!?。！？…‼⁇؟।]["'”’»)\]]*$/u;
// A chapter is a contents list (without semantics saying so) only if almost all of its text is link text.
const CONTENTS_LINK_SHARE = 0.8;
const TITLED_CONTENTS_LINK_SHARE = 0.5;
// A document's own heading counts when it comes this early in the chapter.
const HEADING_WITHIN = 3;

/** What toChapters needs besides the flow and the toc. */
export interface ChapterOptions extends Pick<ReadingOptions, 'notes' | 'keepFrontMatter'> {
  /** A note's paragraphs, for `--notes end`. */
  noteText: (ref: NoteRef) => string[];
}

interface Item {
  shown: string;
  spoken: string[];
  body: Block[];
  blocks: Block[];
  /** A title whose chapters are the toc entries nested under it. */
  parent: boolean;
}

interface Draft {
  label: string;
  /** Nesting depth of its toc entry. */
  depth: number;
  blocks: Block[];
  /** Our own title ("Opening"): shown, never heard. */
  invented: boolean;
}

/**
 * Splits the flow at the toc entries' targets (a nav entry pointing into the middle of a document starts
 * a chapter there), drops the Gutenberg licence, contents lists and a leading title page, and decides what
 * is heard of each title: the document's own heading when it has one, else the toc label, never both.
 */
export function toChapters(flow: Flow, toc: TocEntry[], options: ChapterOptions): Chapter[] {
  const { blocks } = flow;
  // Gutenberg EPUBs without the pg-header/pg-footer ids still carry the text markers.
  const startMarker = options.keepFrontMatter ? -1 : blocks.findIndex((block) => START_MARKER.test(block.text));
  const endMarker = options.keepFrontMatter ? -1 : blocks.findIndex((block) => END_MARKER.test(block.text));
  const lo = startMarker + 1;
  const hi = endMarker >= 0 ? endMarker : blocks.length;

  const starts = toc
    .flatMap((entry) => {
      const key = entry.fragment === '' ? entry.file : `${entry.file}#${entry.fragment}`;
      if (flow.removed.has(key)) return [];
      const at = flow.marks.get(key) ?? flow.marks.get(entry.file);
      return at === undefined ? [] : [{ entry, at }];
    })
    // Stable: entries at one spot keep their toc order ("Part One", then "Chapter 1").
    .sort((a, b) => a.at - b.at);

  const drafts: Draft[] = [];
  const firstStart = Math.min(starts[0]?.at ?? hi, hi);
  if (firstStart > lo) drafts.push({ label: 'Opening', depth: 0, blocks: blocks.slice(lo, firstStart), invented: true });
  starts.forEach(({ entry, at }, i) => {
    const next = starts[i + 1]?.at ?? hi;
    // Entries wholly inside the licence (before the start marker or after the end marker) are not the book's.
    if ((at < lo && next <= lo) || at >= hi) return;
    drafts.push({ label: entry.title, depth: entry.depth, blocks: blocks.slice(Math.max(at, lo), Math.min(next, hi)), invented: false });
  });

  // First pass: each entry's shown title, heard title and body.
  const items: Item[] = [];
  drafts.forEach((draft, i) => {
    const range = draft.blocks.filter((block) => !block.dropped);
    if (draft.invented) {
      if (range.length > 0) items.push({ shown: draft.label, spoken: [], body: range, blocks: range, parent: false });
      return;
    }
    const lead = leadingHeadings(range);
    const body = range.slice(lead.length);
    const label = draft.label !== '' && !isNavigationLabel(draft.label, range) ? draft.label : '';
    if (isContents(label || lead.map((b) => b.text).join(' '), range)) return;
    const own = lead.length > 0 || range.slice(0, HEADING_WITHIN).some((block) => block.heading);
    // Heard: the document's own heading(s); the toc label only when the document has none.
    const spoken = lead.length > 0 ? spokenHeadings(lead) : own || label === '' ? [] : [formatTitle(label)];
    const shown = label !== '' ? formatTitle(label) : lead.length > 0 ? formatTitle(lead.map((b) => b.text).join(' ')) : '';
    // A title with nested entries after it ("Part One", a story's name before its numbered parts).
    const parent = body.length === 0 && (drafts[i + 1]?.depth ?? 0) > draft.depth;
    items.push({ shown, spoken, body, blocks: range, parent });
  });
  // A title page, an edition line: a few short lines before the book starts.
  if (!options.keepFrontMatter) while (items.length > 1 && items[0] && !items[0].parent && isTitlePage(items[0])) items.shift();

  const chapters: Chapter[] = [];
  let pending: { labels: string[]; spoken: string[] } = { labels: [], spoken: [] };
  for (const item of items) {
    if (item.body.length === 0) {
      // Only a title: heard at the start of the next chapter, and named in its title.
      if (item.shown !== '') pending.labels.push(item.shown);
      pending.spoken.push(...item.spoken);
      continue;
    }
    const title = [...pending.labels, item.shown].filter((t) => t !== '').join(': ') || UNTITLED;
    const notes = options.notes === 'end' ? chapterNotes(item.body, options.noteText) : [];
    chapters.push({ title, paragraphs: [...pending.spoken, ...item.spoken, ...item.body.map((b) => b.text), ...notes] });
    pending = { labels: [], spoken: [] };
  }
  return chapters;
}

/** The chapter's own heading blocks at its start ("CHAPTER I." and "Down the Rabbit-Hole"). */
function leadingHeadings(range: Block[]): Block[] {
  let n = 0;
  while (range[n]?.heading) n++;
  return range.slice(0, n);
}

/** "CHAPTER I." + "Down the Rabbit-Hole" is heard as one title, "Chapter I: Down the Rabbit-Hole"; other headings as written. */
function spokenHeadings(lead: Block[]): string[] {
  const joined = lead.map((b) => b.text).join(' ');
  const heading = parseChapterHeading(joined);
  return heading ? [formatChapterTitle(heading)] : lead.map((b) => b.text);
}

function formatTitle(text: string): string {
  const heading = parseChapterHeading(text);
  return heading ? formatChapterTitle(heading) : text;
}

/**
 * A contents list left without semantics: decided from how much of its text is link text. Under a
 * "Contents" title it is enough that every entry links somewhere (a table of chapter links and titles).
 */
function isContents(title: string, range: Block[]): boolean {
  const body = range.filter((b) => !b.heading);
  const titled = CONTENTS_TITLE.test(title);
  if (body.length === 0) return titled;
  const chars = body.reduce((sum, b) => sum + b.chars, 0);
  const linkChars = body.reduce((sum, b) => sum + b.linkChars, 0);
  const share = chars === 0 ? 0 : linkChars / chars;
  if (titled) return share >= TITLED_CONTENTS_LINK_SHARE || body.every((b) => b.linkChars > 0);
  return share >= CONTENTS_LINK_SHARE && body.filter((b) => b.linkChars > 0).length >= 3;
}

/** A title page or edition line: a few short lines and no sentence, under a title that is not a chapter's. */
function isTitlePage(chapter: { shown: string; blocks: Block[] }): boolean {
  // No blocks: a toc entry sharing its spot with the next ("Part One" before "Chapter 1"), heard with it.
  if (chapter.blocks.length === 0 || parseChapterHeading(chapter.shown) !== undefined) return false;
  const texts = chapter.blocks.map((block) => block.text);
  const counts = texts.map(countWords);
  return (
    counts.every((count) => count <= TITLE_PAGE_BLOCK_WORDS) &&
    counts.reduce((a, b) => a + b, 0) < TITLE_PAGE_WORDS &&
    !texts.some((text) => SENTENCE_END.test(text))
  );
}

/** The notes a chapter marks, in the order of their first mark, each read once. */
function chapterNotes(body: Block[], noteText: (ref: NoteRef) => string[]): string[] {
  const seen = new Set<string>();
  const paragraphs: string[] = [];
  for (const ref of body.flatMap((block) => block.notes)) {
    if (seen.has(ref.key)) continue;
    seen.add(ref.key);
    const text = noteText(ref);
    if (text.length === 0) continue;
    const [first = '', ...rest] = text;
    // The mark as printed leads its note, so a listener can tell which note this is.
    paragraphs.push(/^\d+$/.test(ref.mark) && !first.startsWith(ref.mark) ? `${ref.mark}. ${first}` : first, ...rest);
  }
  return paragraphs;
}
