import { posix } from 'node:path';
import { type HTMLElement, type Node, NodeType } from 'node-html-parser';
import { stripGluedNoteNumbers } from '../strip-glued-note-numbers.js';
import { isCodeListing, isMarkupExample } from './code-listing.js';
import { isLinkNavigation } from './link-navigation.js';
import { countChars, linkRatio } from './link-ratio.js';
import { childElements, elements, localName, textOf } from '../../epub/markup.js';
import type { MathSpeech } from './math-to-speech.js';
import type { ReadingOptions } from './reading-options.js';
import { resolveHref } from '../../epub/resolve-href.js';
import { isGutenbergLicence, isHidden, semanticOf } from './semantics.js';
import { tableToText } from './table-to-text.js';

/** A note mark met in the text: the note it points at ("file#id") and the mark as printed ("30"). */
export interface NoteRef {
  key: string;
  mark: string;
}

/** One paragraph-level run of text from a content document. */
export interface Block {
  text: string;
  /** Inside h1-h6 (or an hgroup): the document's own heading. */
  heading: boolean;
  /** Letters and digits in the block, and how many of them are link text: a block made of links is navigation. */
  chars: number;
  linkChars: number;
  /** Notes this block marks, in order; read at the chapter's end with `--notes end`. */
  notes: NoteRef[];
  /** Position of the block's content document in the spine. */
  doc: number;
  /** For a block with links, its text outside them ("Parent topic:"): the same label in most documents is navigation. */
  unlinked?: string;
  /** Set by later passes (a running header or footer): kept for positions, never read. */
  dropped?: boolean;
}

/** Every block of the book in spine order, and where each element id sits in that order. */
export interface Flow {
  blocks: Block[];
  /** "file" and "file#id" → index of the first block at or after that point. */
  marks: Map<string, number>;
  /** "file" and "file#id" targets inside what is not read: toc entries pointing there start no chapter. */
  removed: Set<string>;
  /** Footnotes, endnotes and rearnotes by "file#id" of the note or any element inside it. */
  notes: Map<string, { element: HTMLElement; file: string }>;
  /** Ruby readings: base text → its reading (山路 → やまみち), offered to the model as pronunciation hints. */
  readings: Map<string, string>;
  /** Every "file#id" a note mark points at: what it points at is a note even without semantics. */
  noteTargets: Set<string>;
}

/** What the walker needs to know about the document it reads. */
export interface DocumentContext {
  file: string;
  /** Position in the spine. */
  doc: number;
  /** A fixed-layout page (comic, picture book): images are the content, so their alt text is read. */
  fixedLayout: boolean;
  options: ReadingOptions;
  /** MathML without alttext → speech; undefined when the book has none. */
  math?: MathSpeech;
  /** Another document of the book, parsed (an `<object>` that embeds text). */
  load: (path: string) => HTMLElement | undefined;
}

/** An empty flow to collect into. */
export function newFlow(): Flow {
  return { blocks: [], marks: new Map(), removed: new Set(), notes: new Map(), readings: new Map(), noteTargets: new Set() };
}

const BLOCK_TAGS = new Set(
  'address article aside blockquote body caption dd details div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr li main ol p pre section summary table tbody td th thead tfoot tr ul'.split(' '),
);
// Never read, fallbacks included: scripts, metadata, media players and their "your reading system does
// not support ..." messages, form controls, the pronunciation half of ruby, epub:switch's non-default cases.
const SILENT_TAGS = new Set(
  'script style head title noscript template canvas audio video iframe embed source track button input select option optgroup textarea progress meter datalist rt rp rtc case map area'.split(' '),
);
const NOTE_MARK = /^[[(]?(?:\d{1,3}|[*†‡§¶]+)[\])]?$/u;
// A block that is only this, as a link, is a link bar, not text ("Back" as a dictionary headword is read).
const NAVIGATION_PHRASE = /^(?:previous|next|prev|up|home|back|back to top|top)(?: (?:topic|page|chapter|section|article))?$/iu;
const TEXT_OBJECT = /^(?:text\/html|application\/xhtml\+xml|text\/plain)$/i;

/** Walks a content document in reading order, turning block elements into blocks and noting ids. */
export function collectBlocks(root: HTMLElement, context: DocumentContext, flow: Flow): void {
  flow.marks.set(context.file, flow.blocks.length);
  const before = flow.blocks.length;
  new Walker(context, flow, flow.blocks, true).read(root);
  // A document with nothing read (an imprint, a cover): toc entries pointing at it start no chapter.
  if (flow.blocks.length === before) flow.removed.add(context.file);
}

/** A note's paragraphs as read at the end of its chapter (`--notes end`): without its back link. */
export function noteParagraphs(element: HTMLElement, context: DocumentContext, flow: Flow): string[] {
  const blocks: Block[] = [];
  new Walker(context, flow, blocks, false, true).read(element);
  return blocks.filter((block) => !block.dropped).map((block) => block.text);
}

class Walker {
  private buffer = '';
  /** The block's text outside links: "Parent topic:" of "Parent topic: Chapter 1". */
  private unlinked = '';
  private chars = 0;
  private linkChars = 0;
  private notes: NoteRef[] = [];
  private headingDepth = 0;
  private linkDepth = 0;
  /** Inside a table cell's or caption's capture: blocks inside add a space instead of ending a block. */
  private capturing = 0;

  constructor(
    private readonly context: DocumentContext,
    private readonly flow: Flow,
    private readonly out: Block[],
    private readonly registerIds: boolean,
    private readonly inNote = false,
  ) {}

  read(root: HTMLElement): void {
    this.walk(root);
    this.flush();
  }

  private flush(): void {
    if (this.capturing > 0) {
      this.buffer += ' ';
      return;
    }
    const text = stripGluedNoteNumbers(this.buffer.replace(/\s+/g, ' ').trim().normalize('NFC'));
    this.chars = countChars(text);
    const linkBar = this.linkChars === this.chars && NAVIGATION_PHRASE.test(text.replace(/[^\p{L}\p{N} ]/gu, '').trim());
    // Markup set in a plain paragraph ("<div role="alert" id="results"/>") is a code example all the same.
    const markup = !this.context.options.readCode && isMarkupExample(text);
    if (/[\p{L}\p{N}]/u.test(text) && !linkBar && !markup) {
      const block: Block = { text, heading: this.headingDepth > 0, chars: this.chars, linkChars: this.linkChars, notes: this.notes, doc: this.context.doc };
      if (this.linkChars > 0) block.unlinked = this.unlinked.replace(/\s+/g, ' ').trim();
      this.out.push(block);
    }
    this.buffer = '';
    this.unlinked = '';
    this.chars = 0;
    this.linkChars = 0;
    this.notes = [];
  }

  private text(value: string): void {
    this.buffer += value;
    if (this.linkDepth > 0) this.linkChars += countChars(value);
    else this.unlinked += value;
  }

  private walk(node: Node): void {
    if (node.nodeType === NodeType.TEXT_NODE) return this.text(node.text);
    if (node.nodeType !== NodeType.ELEMENT_NODE) return;
    const element = node as HTMLElement;
    const tag = localName(element.rawTagName ?? '');
    this.mark(element);
    if (SILENT_TAGS.has(tag) || isHidden(element)) return;
    // Gutenberg's page numbers ("[Pg 7]") carry no epub:type: its own class marks them.
    if (/(?:^|\s)pagenum(?:\s|$)/.test(element.getAttribute('class') ?? '')) return;
    const { options } = this.context;
    if (isGutenbergLicence(element) && !options.keepFrontMatter) return this.remove(element);
    switch (semanticOf(element)) {
      case 'navigation':
        // A page-break marker is a position, not a place to hide text: toc entries pointing at it still count.
        if (/pagebreak/.test(`${element.getAttribute('epub:type') ?? ''} ${element.getAttribute('role') ?? ''}`)) return;
        return this.remove(element);
      case 'note':
        if (this.inNote) break;
        this.registerNote(element);
        return this.remove(element);
      case 'noteref':
        return this.noteRef(element);
      case 'backlink':
        return;
      case 'publisher':
        if (options.keepFrontMatter) break;
        return this.remove(element);
      case 'cover':
        return this.remove(element);
      case 'control':
        return;
      case 'other':
        break;
    }
    if (this.capturing === 0 && !this.inNote && isLinkNavigation(element)) return this.remove(element);
    if (!this.inNote && BLOCK_TAGS.has(tag) && this.isReferencedNote(element)) {
      this.registerNote(element);
      return this.remove(element);
    }
    switch (tag) {
      case 'nav':
        return this.remove(element);
      case 'switch':
        // epub:switch: only epub:default is read; the epub:case branches are the same content in another form.
        for (const child of childElements(element)) if (localName(child.rawTagName) === 'default') this.walk(child);
        return;
      case 'ruby':
        this.recordReading(element);
        break;
      case 'math':
        return this.text(` ${this.mathText(element)} `);
      case 'svg':
        return this.svgText(element);
      case 'img':
        return this.imageText(element);
      case 'object':
        return this.objectText(element);
      case 'table':
        return this.table(element);
      case 'br':
        if (this.capturing > 0) return this.text(' ');
        return this.flush();
      case 'a':
        if (this.isUnmarkedNoteRef(element)) return this.noteRef(element);
        // Inside a note, a bare mark linking back to the text ("[1]") is its back link.
        if (this.inNote && (element.getAttribute('href') ?? '').includes('#') && NOTE_MARK.test(textOf(element))) return;
        break;
      case 'code':
        // An element written out in an inline <code> (a table's "Example:" cell) is a code example.
        if (!this.context.options.readCode && isMarkupExample(element.text)) return;
        break;
      case 'sup':
        if (this.isUnmarkedNoteMark(element)) {
          const link = elements(element, 'a').find((a) => (a.getAttribute('href') ?? '').includes('#'));
          return link ? this.noteRef(link) : undefined;
        }
        break;
    }
    if (isCodeListing(element)) return this.code(element);
    const block = BLOCK_TAGS.has(tag);
    const heading = /^h[1-6]$/.test(tag) || tag === 'hgroup' || element.getAttribute('role') === 'heading';
    const link = tag === 'a' && element.getAttribute('href') !== undefined;
    if (block) this.flush();
    if (heading) this.headingDepth++;
    if (link) this.linkDepth++;
    element.childNodes.forEach((child) => this.walk(child));
    if (link) this.linkDepth--;
    if (block) this.flush();
    if (heading) this.headingDepth--;
  }

  /** Notes where this element's id sits in the flow, so a toc entry can point at it. */
  private mark(element: HTMLElement): void {
    const id = element.getAttribute('id');
    if (!this.registerIds || id === undefined) return;
    const key = `${this.context.file}#${id}`;
    // An id in the middle of a paragraph (a page-break marker) points at the next block: the text before it is read before.
    const at = this.flow.blocks.length + (this.capturing === 0 && /[\p{L}\p{N}]/u.test(this.buffer) ? 1 : 0);
    if (!this.flow.marks.has(key)) this.flow.marks.set(key, at);
  }

  /** Drops an element; its ids still mark a position, but toc entries pointing inside it start no chapter. */
  private remove(element: HTMLElement): void {
    if (!this.registerIds) return;
    for (const inner of [element, ...element.querySelectorAll('[id]')]) {
      const key = `${this.context.file}#${inner.getAttribute('id') ?? ''}`;
      if (!this.flow.marks.has(key)) this.flow.marks.set(key, this.flow.blocks.length);
      this.flow.removed.add(key);
    }
  }

  /**
   * A note without semantics: a paragraph (or div, aside, list item) that a note mark in the text points
   * at, itself or through an empty anchor at its start (Gutenberg: `<p class="footnote"><a id="fn1"/> ...`).
   */
  private isReferencedNote(element: HTMLElement): boolean {
    if (this.flow.noteTargets.size === 0) return false;
    const first = childElements(element)[0];
    const ids = [element.getAttribute('id'), first && localName(first.rawTagName) === 'a' && textOf(first) === '' ? first.getAttribute('id') : undefined];
    return ids.some((id) => id !== undefined && this.flow.noteTargets.has(`${this.context.file}#${id}`));
  }

  private registerNote(element: HTMLElement): void {
    for (const inner of [element, ...element.querySelectorAll('[id]')]) {
      const id = inner.getAttribute('id');
      if (id !== undefined) this.flow.notes.set(`${this.context.file}#${id}`, { element: inner, file: this.context.file });
    }
  }

  private noteRef(element: HTMLElement): void {
    const href = element.getAttribute('href') ?? elements(element, 'a')[0]?.getAttribute('href');
    if (href === undefined || this.inNote) return;
    const target = href.startsWith('#') ? { file: this.context.file, fragment: href.slice(1) } : resolveHref(posix.dirname(this.context.file), href);
    const key = `${target.file}#${target.fragment}`;
    this.notes.push({ key, mark: textOf(element).replace(/[[\]()]/g, '') });
    this.flow.noteTargets.add(key);
  }

  /** `<a href="#n30">30</a>` glued to a word, with no epub:type or role: a note mark all the same. */
  private isUnmarkedNoteRef(element: HTMLElement): boolean {
    const href = element.getAttribute('href') ?? '';
    return href.includes('#') && NOTE_MARK.test(textOf(element)) && this.gluedToWord(textOf(element));
  }

  /** `<sup>30</sup>` after a word: a note mark (with or without a link), unlike x<sup>2</sup>. */
  private isUnmarkedNoteMark(element: HTMLElement): boolean {
    const mark = textOf(element);
    if (!NOTE_MARK.test(mark)) return false;
    const linked = elements(element, 'a').some((a) => (a.getAttribute('href') ?? '').includes('#'));
    return (linked && !/\s$/.test(this.buffer)) || this.gluedToWord(mark);
  }

  /** Whether a mark right after the text read so far would be a glued note number ("Savannah1", "dust.30"). */
  private gluedToWord(mark: string): boolean {
    const digits = mark.replace(/[[\]()]/g, '');
    if (/\s$/.test(this.buffer) || this.buffer === '') return false;
    if (!/^\d+$/.test(digits)) return /[\p{L}.,;:!?"'”’]$/u.test(this.buffer);
    const tail = /[\p{L}]+[.,;:!?"'”’»)\]]*$/u.exec(this.buffer)?.[0] ?? '';
    return tail !== '' && stripGluedNoteNumbers(`${tail}${digits}`) !== `${tail}${digits}`;
  }

  private recordReading(ruby: HTMLElement): void {
    let base = '';
    let reading = '';
    const walk = (node: Node, inReading: boolean): void => {
      if (node.nodeType === NodeType.TEXT_NODE) {
        if (inReading) reading += node.text;
        else base += node.text;
        return;
      }
      if (node.nodeType !== NodeType.ELEMENT_NODE) return;
      const tag = localName((node as HTMLElement).rawTagName ?? '');
      if (tag === 'rp') return;
      node.childNodes.forEach((child) => walk(child, inReading || tag === 'rt' || tag === 'rtc'));
    };
    walk(ruby, false);
    base = base.replace(/\s+/g, '').normalize('NFC');
    reading = reading.replace(/\s+/g, '').normalize('NFC');
    if (base !== '' && reading !== '' && base !== reading && !this.flow.readings.has(base)) this.flow.readings.set(base, reading);
  }

  /** MathML: its alttext, else speech from speech-rule-engine, else its symbols as written: never a hole. */
  private mathText(math: HTMLElement): string {
    const alt = (math.getAttribute('alttext') ?? math.getAttribute('aria-label') ?? '').trim();
    if (alt !== '') return alt;
    const spoken = this.context.math?.(math.toString()) ?? '';
    return spoken !== '' ? spoken : textOf(math);
  }

  /** Inline SVG: the words of its `<text>` elements, as one block. */
  private svgText(svg: HTMLElement): void {
    const words = elements(svg, 'text').map(textOf).filter((text) => text !== '');
    if (words.length === 0) return;
    this.flush();
    this.text(words.join(' '));
    this.flush();
  }

  /**
   * Alt text is read only where the image is the content: a fixed-layout page (a comic, a picture
   * book). In a reflowable book an image illustrates the text, and its caption (figcaption) is read instead.
   */
  private imageText(img: HTMLElement): void {
    const alt = (img.getAttribute('alt') ?? '').trim();
    if (!this.context.fixedLayout || alt === '' || /\b(?:presentation|none)\b/.test(img.getAttribute('role') ?? '')) return;
    this.flush();
    this.text(alt);
    this.flush();
  }

  /** `<object>`: text it embeds (XHTML) is read from its file; anything else (an image, a widget) gives way to its fallback. */
  private objectText(object: HTMLElement): void {
    const data = object.getAttribute('data') ?? '';
    const type = object.getAttribute('type') ?? '';
    const isText = TEXT_OBJECT.test(type) || (type === '' && /\.x?html?$/i.test(data));
    if (isText && data !== '') {
      const embedded = this.context.load(resolveHref(posix.dirname(this.context.file), data).file);
      const body = embedded ? (elements(embedded, 'body')[0] ?? embedded) : undefined;
      if (body) {
        this.flush();
        new Walker({ ...this.context }, this.flow, this.out, false, this.inNote).read(body);
        return;
      }
    }
    object.childNodes.forEach((child) => this.walk(child));
  }

  private table(table: HTMLElement): void {
    if (/\b(?:presentation|none)\b/.test(table.getAttribute('role') ?? '')) {
      // A layout table: its cells are ordinary blocks.
      this.flush();
      table.childNodes.forEach((child) => this.walk(child));
      this.flush();
      return;
    }
    this.flush();
    for (const line of tableToText(table, (cell) => this.capture(cell))) {
      this.text(line);
      this.flush();
    }
  }

  /** A cell's or caption's text, read with every inline rule (math, ruby, note marks), as one line. */
  private capture(element: HTMLElement): string {
    const saved = this.buffer;
    const savedUnlinked = this.unlinked;
    this.buffer = '';
    this.capturing++;
    element.childNodes.forEach((child) => this.walk(child));
    this.capturing--;
    const text = this.buffer.replace(/\s+/g, ' ').trim();
    this.buffer = saved;
    this.unlinked = savedUnlinked;
    return text;
  }

  private code(element: HTMLElement): void {
    if (!this.context.options.readCode) return;
    this.flush();
    this.text(element.text);
    this.flush();
  }
}

/** How much of a block's text is link text: 1 for a row of links, 0 for plain prose. */
export function linkShare(block: Pick<Block, 'chars' | 'linkChars'>): number {
  return block.chars === 0 ? 0 : block.linkChars / block.chars;
}

export { linkRatio };
