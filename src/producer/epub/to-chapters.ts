import type { Chapter } from '../book-text.js';
import { formatChapterTitle, parseChapterHeading } from '../find-chapters.js';
import type { Block, Flow } from './collect-blocks.js';
import type { TocEntry } from './read-toc.js';

const START_MARKER = /^\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG/i;
const END_MARKER = /^\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG/i;
const CONTENTS_TITLE = /^(?:table of )?contents$/i;
const UNTITLED = 'Untitled';
// Leading toc entries this small are a title page, an edition line or a dedication: not narrated.
const FRONT_MATTER_BLOCK_WORDS = 12;
const FRONT_MATTER_WORDS = 50;

/** Splits the flow at the toc entries' targets; drops licence, contents lists and leading title pages. */
export function toChapters(flow: Flow, toc: TocEntry[]): Chapter[] {
  const { blocks } = flow;
  // Gutenberg EPUBs without the pg-header/pg-footer ids still carry the text markers.
  const startMarker = blocks.findIndex((block) => START_MARKER.test(block.text));
  const endMarker = blocks.findIndex((block) => END_MARKER.test(block.text));
  const lo = startMarker + 1;
  const hi = endMarker >= 0 ? endMarker : blocks.length;

  const starts = toc
    .flatMap((entry) => {
      const key = entry.fragment === '' ? entry.file : `${entry.file}#${entry.fragment}`;
      if (flow.removed.has(key)) return [];
      const at = flow.marks.get(key) ?? flow.marks.get(entry.file);
      return at === undefined ? [] : [{ entry, at }];
    })
    .sort((a, b) => a.at - b.at);

  // `spoken`: whether the title comes from the book (heard first) or is ours ("Opening", not heard).
  const chapters: (Chapter & { blocks: Block[]; spoken: boolean })[] = [];
  const firstStart = Math.min(starts[0]?.at ?? hi, hi);
  if (firstStart > lo) chapters.push({ title: 'Opening', paragraphs: [], blocks: blocks.slice(lo, firstStart), spoken: false });
  let pendingTitles: string[] = [];
  starts.forEach(({ entry, at }, i) => {
    const next = starts[i + 1]?.at ?? hi;
    // Entries wholly inside the licence (before the start marker or after the end marker) are not the book's.
    if (next <= lo || at >= hi) return;
    const range = blocks.slice(Math.max(at, lo), Math.min(next, hi));
    const title = chapterTitle(entry.title, range);
    const spoken = title !== UNTITLED;
    // Two entries at one spot ("Part One", then "Chapter 1"): the first is heard at the start of the second.
    if (range.length === 0) {
      if (spoken) pendingTitles.push(title);
      return;
    }
    chapters.push({ title, paragraphs: pendingTitles, blocks: range, spoken });
    pendingTitles = [];
  });

  const kept = chapters.filter((chapter) => !isContentsList(chapter.title, chapter.blocks));
  while (kept.length > 1 && kept[0] && isFrontMatter(kept[0])) kept.shift();
  return kept.map(({ title, paragraphs, blocks: range, spoken }) => {
    const titleWords = new Set(words(title));
    let first = 0;
    // The chapter's own heading ("CHAPTER I." / "Down the Rabbit-Hole") is replaced by the spoken title.
    while (range[first]?.heading && words(range[first]?.text ?? '').every((word) => titleWords.has(word))) first++;
    const heard = spoken ? [...paragraphs, title] : paragraphs;
    return { title, paragraphs: [...heard, ...range.slice(first).map((block) => block.text)] };
  });
}

function chapterTitle(label: string, range: Block[]): string {
  const text = label !== '' ? label : (range.find((block) => block.heading)?.text ?? UNTITLED);
  const heading = parseChapterHeading(text);
  return heading ? formatChapterTitle(heading) : text;
}

function isContentsList(title: string, blocks: Block[]): boolean {
  const linked = blocks.filter((block) => block.links > 0).length;
  return CONTENTS_TITLE.test(title) || (linked >= 3 && linked >= blocks.length / 2);
}

/** A title page, edition line or dedication: a few short lines under a title that is not a chapter's. */
function isFrontMatter(chapter: { title: string; blocks: Block[] }): boolean {
  if (parseChapterHeading(chapter.title) !== undefined) return false;
  const counts = chapter.blocks.map((block) => words(block.text).length);
  return counts.every((count) => count <= FRONT_MATTER_BLOCK_WORDS) && counts.reduce((a, b) => a + b, 0) < FRONT_MATTER_WORDS;
}


function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word !== '');
}
