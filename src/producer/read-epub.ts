import type { HTMLElement } from 'node-html-parser';
import type { BookText } from '../contracts/book-text.js';
import { collectBlocks, newFlow, noteParagraphs, type DocumentContext } from './epub/collect-blocks.js';
import { dropRunningLines } from './epub/drop-running-lines.js';
import { parseMarkup } from '../epub/markup.js';
import { mathSpeech, type MathSpeech } from './epub/math-to-speech.js';
import { openPackage, readEntry } from '../epub/open-package.js';
import { readNav, readNcx } from './epub/read-toc.js';
import { DEFAULT_READING, type ReadingOptions } from './epub/reading-options.js';
import { toChapters } from './epub/to-chapters.js';

// MathML that needs speech-rule-engine: a <math> element with no alttext.
const MATH_WITHOUT_ALTTEXT = /<(?:[\w-]+:)?math\b(?![^>]*\balttext\s*=\s*["'][^"']*\S)/i;

/**
 * Reads an EPUB (2 or 3) into chapters that follow its table of contents. What is read and what is
 * not is decided in producer/epub/ (see README "What is read"): the book's own semantics first
 * (epub:type, DPUB-ARIA roles), then heuristics that cannot drop prose.
 */
export async function readEpub(buf: Buffer, name: string, reading: Partial<ReadingOptions> = {}): Promise<BookText> {
  const options: ReadingOptions = { ...DEFAULT_READING, ...reading };
  const pkg = await openPackage(buf, name);
  const sources = new Map<string, string>();
  for (const { path } of pkg.spine) {
    const html = await readEntry(pkg.zip, path);
    if (html !== undefined) sources.set(path, html);
  }
  // Other documents the spine's may embed (<object data="x.xhtml">), read on demand.
  const extra = new Map<string, string>();
  for (const item of pkg.manifest.values()) {
    if (/html|xml/.test(item.type) && !sources.has(item.path) && item.path !== pkg.navPath && item.path !== pkg.ncxPath) {
      const text = await readEntry(pkg.zip, item.path);
      if (text !== undefined) extra.set(item.path, text);
    }
  }
  let math: MathSpeech | undefined;
  if ([...sources.values()].some((html) => MATH_WITHOUT_ALTTEXT.test(html))) math = await mathSpeech(pkg.language);
  const parsed = new Map<string, HTMLElement>();
  const load = (path: string): HTMLElement | undefined => {
    const source = sources.get(path) ?? extra.get(path);
    if (source === undefined) return undefined;
    if (!parsed.has(path)) parsed.set(path, parseMarkup(source));
    return parsed.get(path);
  };
  const contextOf = (file: string, doc: number, fixedLayout: boolean): DocumentContext => ({
    file,
    doc,
    fixedLayout,
    options,
    ...(math ? { math } : {}),
    load,
  });

  const flow = newFlow();
  pkg.spine.forEach(({ path, fixedLayout }, doc) => {
    const root = load(path);
    if (root) collectBlocks(root, contextOf(path, doc, fixedLayout), flow);
  });
  dropRunningLines(flow.blocks);

  let toc = pkg.navPath === undefined ? [] : readNav(await readEntry(pkg.zip, pkg.navPath), pkg.navPath);
  if (toc.length === 0 && pkg.ncxPath !== undefined) toc = readNcx(await readEntry(pkg.zip, pkg.ncxPath), pkg.ncxPath);
  if (toc.length === 0) toc = pkg.spine.map(({ path }) => ({ title: '', file: path, fragment: '', depth: 0 }));
  const chapters = toChapters(flow, toc, {
    notes: options.notes,
    keepFrontMatter: options.keepFrontMatter,
    noteText: (ref) => {
      const note = flow.notes.get(ref.key);
      return note ? noteParagraphs(note.element, contextOf(note.file, -1, false), flow) : [];
    },
  });
  return {
    ...(pkg.title === undefined ? {} : { title: pkg.title }),
    ...(pkg.authors.length === 0 ? {} : { author: pkg.authors.join(', ') }),
    ...(pkg.language === undefined ? {} : { language: pkg.language }),
    ...(flow.readings.size === 0 ? {} : { readings: flow.readings }),
    chapters,
  };
}
