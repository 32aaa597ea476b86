import { type HTMLElement, type Node, NodeType } from 'node-html-parser';
import { localName } from './markup.js';

/** One paragraph-level run of text from a content document. */
export interface Block {
  text: string;
  /** Inside h1-h6: a leading heading repeats the chapter title and is replaced by it. */
  heading: boolean;
  /** Links into other content documents: a block made of them is a contents list. */
  links: number;
}

/** Every block of the book in spine order, and where each element id sits in that order. */
export interface Flow {
  blocks: Block[];
  /** "file" and "file#id" → index of the first block at or after that point. */
  marks: Map<string, number>;
  /** "file#id" targets inside dropped Gutenberg licence sections: their toc entries are dropped too. */
  removed: Set<string>;
}

const BLOCK_TAGS = new Set(
  'address article aside blockquote body dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul'.split(' '),
);
const SKIPPED_TAGS = new Set('script style head title svg math img object noscript template audio video'.split(' '));
const LICENCE_IDS = new Set(['pg-header', 'pg-footer']);

/** Walks a content document in reading order, turning block elements into blocks and noting ids. */
export function collectBlocks(root: HTMLElement, file: string, flow: Flow): void {
  let buffer = '';
  let links = 0;
  let headingDepth = 0;
  flow.marks.set(file, flow.blocks.length);
  const flush = (): void => {
    const text = buffer.replace(/\s+/g, ' ').trim().normalize('NFC');
    if (/[\p{L}\p{N}]/u.test(text)) flow.blocks.push({ text, heading: headingDepth > 0, links });
    buffer = '';
    links = 0;
  };
  const walk = (node: Node): void => {
    if (node.nodeType === NodeType.TEXT_NODE) {
      buffer += node.text;
      return;
    }
    if (node.nodeType !== NodeType.ELEMENT_NODE) return;
    const element = node as HTMLElement;
    const tag = localName(element.rawTagName ?? '');
    const id = element.getAttribute('id');
    if (isLicence(element)) {
      for (const inner of [element, ...element.querySelectorAll('[id]')]) flow.removed.add(`${file}#${inner.getAttribute('id') ?? ''}`);
      return;
    }
    if (SKIPPED_TAGS.has(tag) || isPageNumber(element)) return;
    if (id !== undefined && !flow.marks.has(`${file}#${id}`)) flow.marks.set(`${file}#${id}`, flow.blocks.length);
    if (tag === 'br') return flush();
    const block = BLOCK_TAGS.has(tag);
    const heading = /^h[1-6]$/.test(tag);
    if (block) flush();
    if (tag === 'td' || tag === 'th') buffer += ' ';
    const href = tag === 'a' ? (element.getAttribute('href') ?? '') : '';
    if (href !== '' && !href.startsWith('#') && !/^[a-z]+:/i.test(href)) links++;
    if (heading) headingDepth++;
    element.childNodes.forEach(walk);
    if (block) flush();
    if (heading) headingDepth--;
  };
  walk(root);
  flush();
}

/** Gutenberg wraps its licence in sections with these ids (class pg-boilerplate). */
function isLicence(element: HTMLElement): boolean {
  const id = element.getAttribute('id') ?? '';
  return LICENCE_IDS.has(id) || (element.getAttribute('class') ?? '').split(/\s+/).includes('pg-boilerplate');
}

function isPageNumber(element: HTMLElement): boolean {
  return /\bpagebreak\b/.test(element.getAttribute('epub:type') ?? '') || /\bpagenum\b/.test(element.getAttribute('class') ?? '');
}

