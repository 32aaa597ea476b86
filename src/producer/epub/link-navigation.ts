import type { HTMLElement } from 'node-html-parser';
import { countWords } from '../count-words.js';
import { linkRatio } from './link-ratio.js';
import { childElements, localName } from '../../epub/markup.js';

// Share of a list's text that must be link text for it to be navigation (an in-page table of
// contents): prose with many cross-references stays far below it.
const LIST_LINK_SHARE = 0.9;
const ENTRY_WORDS = 15;
const TABLE_LINK_SHARE = 0.25;
const BAR_WORDS = 12;

/**
 * Navigation without semantics: a list whose items are (almost) all link text, like an in-page table of
 * contents, or a short block that is nothing but links ("Previous topic | Next topic"). Decided from the
 * ratio of link text to all text, never from how many blocks link somewhere, so prose full of
 * cross-references is read.
 */
export function isLinkNavigation(element: HTMLElement): boolean {
  const tag = localName(element.rawTagName ?? '');
  if (!/^(?:ul|ol|table|p|div)$/.test(tag) || !hasLink(element)) return false;
  if (tag === 'ul' || tag === 'ol') {
    const items = childElements(element).filter((child) => localName(child.rawTagName) === 'li');
    if (items.length < 2) return false;
    const { chars, linkChars, links } = linkRatio(element);
    if (links < items.length || chars === 0 || linkChars / chars < LIST_LINK_SHARE) return false;
    // An entry with a nested list is a part with its chapters: its own words are checked at the nested level.
    const nested = (item: HTMLElement): boolean => childElements(item).some((c) => /^[ou]l$/.test(localName(c.rawTagName)));
    return items.every((item) => nested(item) || countWords(item.text) <= ENTRY_WORDS);
  }
  if (tag === 'table') {
    // A contents table: every row links to a chapter ("CHAPTER I." | "Down the Rabbit-Hole").
    const rows = element.querySelectorAll('tr');
    if (rows.length < 3 || element.querySelectorAll('table').length > 0) return false;
    const { chars, linkChars } = linkRatio(element);
    return (
      chars > 0 &&
      linkChars / chars >= TABLE_LINK_SHARE &&
      rows.every((row) => row.querySelectorAll('a[href]').length > 0 && countWords(row.text) <= ENTRY_WORDS * 2)
    );
  }
  if (tag === 'p' || tag === 'div') {
    if (childElements(element).some((child) => /^(?:p|div|ul|ol|table|section|blockquote|h[1-6])$/.test(localName(child.rawTagName)))) return false;
    const { chars, linkChars, links } = linkRatio(element);
    return links > 0 && chars > 0 && linkChars === chars && countWords(element.text) <= BAR_WORDS;
  }
  return false;
}

function hasLink(element: HTMLElement): boolean {
  return childElements(element).some((child) => localName(child.rawTagName) === 'a' || hasLink(child));
}
