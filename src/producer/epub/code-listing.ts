import type { HTMLElement } from 'node-html-parser';
import { childElements, localName } from './markup.js';

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
