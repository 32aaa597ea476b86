import { posix } from 'node:path';
import { type HTMLElement } from 'node-html-parser';
import { childElements, elements, localName, parseMarkup, textOf } from '../../epub/markup.js';
import { resolveHref } from '../../epub/resolve-href.js';

/** One entry of the book's table of contents: its label and where it points. */
export interface TocEntry {
  title: string;
  file: string;
  fragment: string;
  /** Nesting depth, 0 for top-level entries. */
  depth: number;
}

/** EPUB 3 navigation document: the links of `<nav epub:type="toc">`, nested levels flattened in order. */
export function readNav(html: string | undefined, path: string): TocEntry[] {
  if (html === undefined) return [];
  const navs = elements(parseMarkup(html), 'nav');
  // Landmarks and page lists are navigation aids, not the book's chapters.
  const nav = navs.find((element) => /\btoc\b/.test(element.getAttribute('epub:type') ?? '') || element.getAttribute('role') === 'doc-toc') ??
    navs.find((element) => !/\b(?:landmarks|page-list|loi|lot)\b/.test(element.getAttribute('epub:type') ?? ''));
  if (!nav) return [];
  return elements(nav, 'a').flatMap((link) => {
    const href = link.getAttribute('href');
    if (href === undefined) return [];
    return [{ title: textOf(link), ...resolveHref(posix.dirname(path), href), depth: depthOf(link, nav) }];
  });
}

/** EPUB 2 NCX: navPoints in document order (nested ones flattened), label and content src. */
export function readNcx(xml: string | undefined, path: string): TocEntry[] {
  if (xml === undefined) return [];
  return elements(parseMarkup(xml), 'navpoint').flatMap((point) => {
    const src = childElements(point).find((child) => localName(child.rawTagName) === 'content')?.getAttribute('src');
    const label = elements(point, 'navlabel')[0];
    if (src === undefined) return [];
    let depth = 0;
    for (let up = point.parentNode; up && localName(up.rawTagName ?? '') === 'navpoint'; up = up.parentNode) depth++;
    return [{ title: textOf(label), ...resolveHref(posix.dirname(path), src), depth }];
  });
}

function depthOf(link: HTMLElement, nav: HTMLElement): number {
  let depth = -1;
  for (let up: HTMLElement | null = link.parentNode; up && up !== nav; up = up.parentNode) {
    if (localName(up.rawTagName ?? '') === 'ol' || localName(up.rawTagName ?? '') === 'ul') depth++;
  }
  return Math.max(depth, 0);
}
