import { parse as parseHtml, type HTMLElement, NodeType } from 'node-html-parser';

/**
 * Parses XML or XHTML. The parser would read an XML declaration or a DOCTYPE as text to narrate, and by
 * default keeps `<pre>` contents as raw markup (Gutenberg sets poems in `<pre>` with `<i>` inside).
 */
export function parseMarkup(markup: string): HTMLElement {
  return parseHtml(markup.replace(/<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>/gi, ''), {
    blockTextElements: { script: true, noscript: true, style: true },
  });
}

/** Elements with this local name (any namespace prefix: "dc:title", "opf:item"), in document order. */
export function elements(root: HTMLElement, name: string): HTMLElement[] {
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

/** The direct element children of an element. */
export function childElements(element: HTMLElement): HTMLElement[] {
  return element.childNodes.filter((child): child is HTMLElement => child.nodeType === NodeType.ELEMENT_NODE);
}

/** "epub:switch" → "switch", "DIV" → "div". */
export function localName(tag: string): string {
  return tag.toLowerCase().replace(/^.*:/, '');
}

/** An element's text with runs of white space made one space, trimmed, NFC. */
export function textOf(element: HTMLElement | undefined): string {
  return (element?.text ?? '').replace(/\s+/g, ' ').trim().normalize('NFC');
}
