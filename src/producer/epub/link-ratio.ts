import { type HTMLElement, type Node, NodeType } from 'node-html-parser';
import { localName } from '../../epub/markup.js';

/** Letters and digits of an element's text, and how many of them sit inside links (`<a href>`). */
export function linkRatio(element: HTMLElement): { chars: number; linkChars: number; links: number } {
  let chars = 0;
  let linkChars = 0;
  let links = 0;
  const walk = (node: Node, inLink: boolean): void => {
    if (node.nodeType === NodeType.TEXT_NODE) {
      const n = countChars(node.text);
      chars += n;
      if (inLink) linkChars += n;
      return;
    }
    if (node.nodeType !== NodeType.ELEMENT_NODE) return;
    const el = node as HTMLElement;
    const link = localName(el.rawTagName ?? '') === 'a' && el.getAttribute('href') !== undefined;
    if (link) links++;
    el.childNodes.forEach((child) => walk(child, inLink || link));
  };
  walk(element, false);
  return { chars, linkChars, links };
}

/** Letters and digits: a measure of text that works for scripts without spaces (Japanese, Chinese, Thai). */
export function countChars(text: string): number {
  return text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
}
