import type { Block } from './collect-blocks.js';

// A line must repeat at the edge of this many documents, and of at least this share of them, to be a
// running header or footer: a refrain in two poems is not one, a licence footer on every page is.
const MIN_DOCUMENTS = 3;
const MIN_SHARE = 0.5;
const EDGE = 2;

/**
 * Marks running headers and footers as dropped: the same text among the first or last two blocks of
 * most content documents (a book title on every page, a licence footer repeated 63 times). Headings
 * are never dropped here. Returns how many blocks it marked.
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
  const docsWith = new Map<string, Set<number>>();
  const edges: Block[] = [];
  for (const [doc, list] of byDoc) {
    const edge = new Set([...list.slice(0, EDGE), ...list.slice(-EDGE)]);
    for (const block of edge) {
      const key = keyOf(block.text);
      docsWith.set(key, (docsWith.get(key) ?? new Set()).add(doc));
      edges.push(block);
    }
  }
  let dropped = 0;
  for (const block of edges) {
    const count = docsWith.get(keyOf(block.text))?.size ?? 0;
    if (count >= MIN_DOCUMENTS && count >= byDoc.size * MIN_SHARE && !block.dropped) {
      block.dropped = true;
      dropped++;
    }
  }
  return dropped;
}

// Page numbers in a running line change from page to page ("Chapter One · 12"): they do not count.
function keyOf(text: string): string {
  return text.toLowerCase().replace(/\d+/g, '#').replace(/[^\p{L}#]+/gu, ' ').trim();
}
