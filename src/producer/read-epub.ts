import { posix } from 'node:path';
import JSZip from 'jszip';
import { parse as parseHtml, type HTMLElement, type Node, NodeType } from 'node-html-parser';
import { InputError } from '../errors.js';
import type { BookText, Chapter } from './book-text.js';
import { formatChapterTitle, parseChapterHeading } from './find-chapters.js';

/** One paragraph-level run of text from a content document. */
interface Block {
  text: string;
  /** Inside h1-h6: a leading heading repeats the chapter title and is replaced by it. */
  heading: boolean;
  /** Links into other content documents: a block made of them is a contents list. */
  links: number;
}

/** Every block of the book in spine order, and where each element id sits in that order. */
interface Flow {
  blocks: Block[];
  /** "file" and "file#id" → index of the first block at or after that point. */
  marks: Map<string, number>;
  /** "file#id" targets inside dropped Gutenberg licence sections: their toc entries are dropped too. */
  removed: Set<string>;
}

interface TocEntry {
  title: string;
  file: string;
  fragment: string;
}

const BLOCK_TAGS = new Set(
  'address article aside blockquote body dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul'.split(' '),
);
const SKIPPED_TAGS = new Set('script style head title svg math img object noscript template audio video'.split(' '));
const LICENCE_IDS = new Set(['pg-header', 'pg-footer']);
const START_MARKER = /^\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG/i;
const END_MARKER = /^\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG/i;
const CONTENTS_TITLE = /^(?:table of )?contents$/i;
const UNTITLED = 'Untitled';
// Leading toc entries this small are a title page, an edition line or a dedication: not narrated.
const FRONT_MATTER_BLOCK_WORDS = 12;
const FRONT_MATTER_WORDS = 50;

/** Reads an EPUB (2 or 3) into chapters that follow its table of contents, without Gutenberg's licence. */
export async function readEpub(buf: Buffer, name: string): Promise<BookText> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(buf);
  } catch (error) {
    throw new InputError(`${name}: not an EPUB (not a zip archive)`, { cause: error });
  }
  const container = await readEntry(zip, 'META-INF/container.xml');
  if (container === undefined) throw new InputError(`${name}: not an EPUB (no META-INF/container.xml)`);
  const opfPath = elements(parse(container), 'rootfile')[0]?.getAttribute('full-path');
  const opfText = opfPath === undefined ? undefined : await readEntry(zip, opfPath);
  if (opfPath === undefined || opfText === undefined) {
    throw new InputError(`${name}: not an EPUB (no OPF package file${opfPath === undefined ? '' : ` at ${opfPath}`})`);
  }
  const opf = parse(opfText);
  const opfDir = posix.dirname(opfPath);
  const manifest = new Map(
    elements(opf, 'item').map((item) => [
      item.getAttribute('id') ?? '',
      {
        path: resolveHref(opfDir, item.getAttribute('href') ?? '').file,
        type: item.getAttribute('media-type') ?? '',
        properties: item.getAttribute('properties') ?? '',
      },
    ]),
  );
  const spine = elements(opf, 'itemref')
    // Non-linear items (pop-up notes, answers) sit outside the reading order.
    .filter((ref) => ref.getAttribute('linear') !== 'no')
    .flatMap((ref) => {
      const item = manifest.get(ref.getAttribute('idref') ?? '');
      return item && /html/.test(item.type) ? [item.path] : [];
    });

  const flow: Flow = { blocks: [], marks: new Map(), removed: new Set() };
  for (const file of spine) {
    const html = await readEntry(zip, file);
    if (html !== undefined) collectBlocks(parse(html), file, flow);
  }
  const navItem = [...manifest.values()].find((item) => item.properties.split(/\s+/).includes('nav'));
  const ncxItem = manifest.get(elements(opf, 'spine')[0]?.getAttribute('toc') ?? '') ??
    [...manifest.values()].find((item) => item.type === 'application/x-dtbncx+xml');
  let toc = navItem ? readNav(await readEntry(zip, navItem.path), navItem.path) : [];
  if (toc.length === 0 && ncxItem) toc = readNcx(await readEntry(zip, ncxItem.path), ncxItem.path);
  if (toc.length === 0) toc = spine.map((file) => ({ title: '', file, fragment: '' }));

  const title = textOf(elements(opf, 'title')[0]);
  const authors = elements(opf, 'creator').map(textOf).filter((author) => author !== '');
  return {
    ...(title === '' ? {} : { title }),
    ...(authors.length === 0 ? {} : { author: authors.join(', ') }),
    chapters: toChapters(flow, toc),
  };
}

/** Splits the flow at the toc entries' targets; drops licence, contents lists and leading title pages. */
function toChapters(flow: Flow, toc: TocEntry[]): Chapter[] {
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

/** Walks a content document in reading order, turning block elements into blocks and noting ids. */
function collectBlocks(root: HTMLElement, file: string, flow: Flow): void {
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

/** EPUB 3 navigation document: the links of `<nav epub:type="toc">`, nested levels flattened in order. */
function readNav(html: string | undefined, path: string): TocEntry[] {
  if (html === undefined) return [];
  const navs = elements(parse(html), 'nav');
  const nav = navs.find((element) => /\btoc\b/.test(element.getAttribute('epub:type') ?? '')) ?? navs[0];
  return (nav ? elements(nav, 'a') : []).flatMap((link) => {
    const href = link.getAttribute('href');
    return href === undefined ? [] : [{ title: textOf(link), ...resolveHref(posix.dirname(path), href) }];
  });
}

/** EPUB 2 NCX: navPoints in document order (nested ones flattened), label and content src. */
function readNcx(xml: string | undefined, path: string): TocEntry[] {
  if (xml === undefined) return [];
  return elements(parse(xml), 'navpoint').flatMap((point) => {
    const src = point.childNodes
      .filter((child): child is HTMLElement => child.nodeType === NodeType.ELEMENT_NODE)
      .find((child) => localName(child.rawTagName) === 'content')
      ?.getAttribute('src');
    const label = elements(point, 'navlabel')[0];
    return src === undefined ? [] : [{ title: textOf(label), ...resolveHref(posix.dirname(path), src) }];
  });
}

function resolveHref(dir: string, href: string): { file: string; fragment: string } {
  const [rawFile = '', fragment = ''] = href.split('#', 2);
  let file = rawFile;
  try {
    file = decodeURIComponent(rawFile);
  } catch {
    // A stray "%" in a file name: keep the name as written.
  }
  return { file: posix.normalize(posix.join(dir, file)).replace(/^\.\//, ''), fragment };
}

/** Elements with this local name (any namespace prefix: "dc:title", "opf:item"), in document order. */
function elements(root: HTMLElement, name: string): HTMLElement[] {
  const found: HTMLElement[] = [];
  const walk = (node: HTMLElement): void => {
    for (const child of node.childNodes) {
      if (child.nodeType !== NodeType.ELEMENT_NODE) continue;
      const element = child as HTMLElement;
      if (localName(element.rawTagName ?? '') === name) found.push(element);
      walk(element);
    }
  };
  walk(root);
  return found;
}

function localName(tag: string): string {
  return tag.toLowerCase().replace(/^.*:/, '');
}

function textOf(element: HTMLElement | undefined): string {
  return (element?.text ?? '').replace(/\s+/g, ' ').trim().normalize('NFC');
}

function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word !== '');
}

/**
 * Parses XML or XHTML. The parser would read an XML declaration or a DOCTYPE as text to narrate, and by
 * default keeps `<pre>` contents as raw markup (Gutenberg sets poems in `<pre>` with `<i>` inside).
 */
function parse(markup: string): HTMLElement {
  return parseHtml(markup.replace(/<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>/gi, ''), {
    blockTextElements: { script: true, noscript: true, style: true },
  });
}

async function readEntry(zip: JSZip, path: string): Promise<string | undefined> {
  // Zip paths are case-sensitive, but some tools write "meta-inf/container.xml".
  const entry = zip.file(path) ?? zip.file(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i'))[0];
  return entry ? entry.async('string') : undefined;
}
