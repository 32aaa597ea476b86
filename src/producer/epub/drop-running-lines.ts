import type { Block } from './collect-blocks.js';

// A line must repeat in this many documents, and in at least this share of them, to be the book's
// furniture rather than its text: a refrain in two poems is not one, a licence footer on every page is.
const MIN_DOCUMENTS = 3;
const MIN_SHARE = 0.5;
const EDGE = 2;
// A navigation label is short ("Parent topic:", "Next topic:"), beside at least one link.
const LABEL_WORDS = 4;
// A line repeated inside the documents (not at their edges) is dropped after its first reading only when it
// says something of its own: a licence, a copyright line, a URL. One word ("Note", "Example") introduces the
// text that follows it and is read every time.
const MIN_REPEATED_WORDS = 3;
const SIGN = /[©®℗™@]|\d|https?:|www\./u;

/**
 * Marks as dropped what a book repeats in most of its content documents, rather than says:
 * - running headers and footers: the same text among the first or last two blocks of most documents (a
 *   book title on every page, a licence footer), never read;
 * - navigation: a short label beside links, the same label in most documents ("Parent topic: Chapter 1",
 *   "Previous topic: …", "Next topic: …" in a DITA book), never read, whatever the links say;
 * - the same line anywhere in most documents (a licence, a copyright line and a URL that a DITA book puts
 *   at the start of each of its 90 topics): read once, where it first appears.
 * Headings are never dropped here. Returns how many blocks it marked.
 */
export function dropRunningLines(blocks: Block[]): number {
  const byDoc = new Map<number, Block[]>();
  for (const block of blocks) {
    if (block.heading) continue;
    const list = byDoc.get(block.doc);
    if (list) list.push(block);
    else byDoc.set(block.doc, [block]);
  }
  if (byDoc.size < MIN_DOCUMENTS) return 0;
  const frequent = (docs: Set<number> | undefined): boolean => (docs?.size ?? 0) >= MIN_DOCUMENTS && (docs?.size ?? 0) >= byDoc.size * MIN_SHARE;

  const edgeDocs = new Map<string, Set<number>>();
  const labelDocs = new Map<string, Set<number>>();
  const lineDocs = new Map<string, Set<number>>();
  const edges = new Set<Block>();
  for (const [doc, list] of byDoc) {
    for (const block of new Set([...list.slice(0, EDGE), ...list.slice(-EDGE)])) {
      add(edgeDocs, keyOf(block.text), doc);
      edges.add(block);
    }
    for (const block of list) {
      add(lineDocs, lineOf(block.text), doc);
      const label = labelOf(block);
      if (label !== undefined) add(labelDocs, label, doc);
    }
  }

  let dropped = 0;
  const drop = (block: Block): void => {
    if (block.dropped) return;
    block.dropped = true;
    dropped++;
  };
  const heard = new Set<string>();
  for (const block of blocks) {
    if (block.heading) continue;
    const key = keyOf(block.text);
    const label = labelOf(block);
    if (edges.has(block) && frequent(edgeDocs.get(key))) drop(block);
    else if (label !== undefined && frequent(labelDocs.get(label))) drop(block);
    else if (frequent(lineDocs.get(lineOf(block.text))) && saysSomething(block.text)) {
      if (heard.has(lineOf(block.text))) drop(block);
      else heard.add(lineOf(block.text));
    }
  }
  return dropped;
}

function add(map: Map<string, Set<number>>, key: string, doc: number): void {
  const docs = map.get(key);
  if (docs) docs.add(doc);
  else map.set(key, new Set([doc]));
}

/** The label of a block that is a short label beside links ("parent topic" of "Parent topic: Chapter 1"). */
function labelOf(block: Block): string | undefined {
  if (block.unlinked === undefined || block.linkChars === 0) return undefined;
  const label = keyOf(block.unlinked);
  if (label === '' || label.split(' ').length > LABEL_WORDS) return undefined;
  return label;
}

function saysSomething(text: string): boolean {
  return SIGN.test(text) || text.trim().split(/\s+/u).length >= MIN_REPEATED_WORDS;
}

// A line said again word for word, numbers included: "Superficie : 57 ha" and "Superficie : 42 ha" are data.
function lineOf(text: string): string {
  return text.toLowerCase().replace(/\s+/gu, ' ').trim();
}

// Page numbers in a running line change from page to page ("Chapter One · 12"): they do not count.
function keyOf(text: string): string {
  return text.toLowerCase().replace(/\d+/g, '#').replace(/[^\p{L}#]+/gu, ' ').trim();
}
