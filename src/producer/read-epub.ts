import type { BookText } from './book-text.js';
import { collectBlocks, type Flow } from './epub/collect-blocks.js';
import { parseMarkup } from './epub/markup.js';
import { openPackage, readEntry } from './epub/open-package.js';
import { readNav, readNcx } from './epub/read-toc.js';
import { toChapters } from './epub/to-chapters.js';

/** Reads an EPUB (2 or 3) into chapters that follow its table of contents, without Gutenberg's licence. */
export async function readEpub(buf: Buffer, name: string): Promise<BookText> {
  const pkg = await openPackage(buf, name);
  const flow: Flow = { blocks: [], marks: new Map(), removed: new Set() };
  for (const { path } of pkg.spine) {
    const html = await readEntry(pkg.zip, path);
    if (html !== undefined) collectBlocks(parseMarkup(html), path, flow);
  }
  let toc = pkg.navPath === undefined ? [] : readNav(await readEntry(pkg.zip, pkg.navPath), pkg.navPath);
  if (toc.length === 0 && pkg.ncxPath !== undefined) toc = readNcx(await readEntry(pkg.zip, pkg.ncxPath), pkg.ncxPath);
  if (toc.length === 0) toc = pkg.spine.map(({ path }) => ({ title: '', file: path, fragment: '', depth: 0 }));
  return {
    ...(pkg.title === undefined ? {} : { title: pkg.title }),
    ...(pkg.authors.length === 0 ? {} : { author: pkg.authors.join(', ') }),
    ...(pkg.language === undefined ? {} : { language: pkg.language }),
    chapters: toChapters(flow, toc),
  };
}
