import type { HTMLElement } from 'node-html-parser';
import { childElements, localName } from '../../epub/markup.js';

const CODE_CLASS = /(?:^|\s)(?:code|listing|programlisting|programlist|sourcecode|source-code|highlight|screen|synopsis|literallayout-code)(?:\s|$|-)/i;

/**
 * A code listing or a block of markup: `<pre>` holding `<code>`, `<pre>`/`<div>` marked as code by
 * class, or `<pre>` whose text is XML. A plain `<pre>` is read: Gutenberg sets poems and letters in it.
 */
export function isCodeListing(element: HTMLElement): boolean {
  const tag = localName(element.rawTagName ?? '');
  if (tag !== 'pre' && tag !== 'div' && tag !== 'figure' && tag !== 'code') return false;
  const cls = element.getAttribute('class') ?? '';
  if (tag === 'code') return false;
  if (CODE_CLASS.test(cls)) return true;
  if (tag !== 'pre') return false;
  const children = childElements(element);
  if (children.length > 0 && children.every((child) => localName(child.rawTagName) === 'code')) return true;
  // Markup shown as text (escaped in the source): "<chapter id=...>".
  return /^\s*<[A-Za-z?!/]/.test(element.text);
}

// An element written out as text: a tag with an attribute, a closing tag or a self-closing tag.
const MARKUP = /^<[A-Za-z?!][^<>]*>(?:.*<\/[A-Za-z][^<>]*>)?$/su;
const MARKUP_SIGN = /=|\/>|<\//u;

/**
 * Text that is markup shown as text ("<div role="alert" id="results"/>", `<meta refines="#t2">1</meta>`):
 * a code example even where the book sets it in a plain paragraph or an inline `<code>`. A bare tag name
 * in prose ("the <nav> element") is not one: it is read.
 */
export function isMarkupExample(text: string): boolean {
  const trimmed = text.trim();
  return MARKUP.test(trimmed) && MARKUP_SIGN.test(trimmed);
}
