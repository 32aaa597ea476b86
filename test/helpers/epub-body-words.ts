import { posix } from 'node:path';
import JSZip from 'jszip';

/**
 * The words of an EPUB's body, extracted independently of the reader under test: the spine's content
 * documents read with a plain tag scanner (no HTML parser), minus the elements whose `epub:type`,
 * `role`, `id` or `class` names one of `exclude`, minus `<head>`, `<script>`, `<style>`. Words are
 * lower-case runs of letters and digits, so punctuation, case and markup never count.
 */
export async function epubBodyWords(buf: Buffer, options: { exclude: string[]; skipFiles?: (path: string) => boolean }): Promise<string[]> {
  const zip = await JSZip.loadAsync(buf);
  const container = await zip.file('META-INF/container.xml')!.async('string');
  const opfPath = /full-path="([^"]+)"/.exec(container)![1]!;
  const opf = await zip.file(opfPath)!.async('string');
  const hrefs = new Map([...opf.matchAll(/<item\b[^>]*>/g)].map((m) => [attr(m[0], 'id'), { href: attr(m[0], 'href'), props: attr(m[0], 'properties') }]));
  const spine = [...opf.matchAll(/<itemref\b[^>]*>/g)]
    .filter((m) => attr(m[0], 'linear') !== 'no')
    .map((m) => hrefs.get(attr(m[0], 'idref')))
    .filter((item): item is { href: string; props: string } => item !== undefined && !/\bnav\b/.test(item.props))
    .map((item) => posix.join(posix.dirname(opfPath), decodeURIComponent(item.href)));
  const words: string[] = [];
  for (const path of spine) {
    if (options.skipFiles?.(path)) continue;
    const xhtml = await zip.file(path)!.async('string');
    words.push(...textWords(visibleText(xhtml, new Set(options.exclude))));
  }
  return words;
}

/** Lower-case runs of letters and digits. */
export function textWords(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Counts of each word in `a` minus those in `b`: what `a` has more of. */
export function wordSurplus(a: string[], b: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of a) counts.set(w, (counts.get(w) ?? 0) + 1);
  for (const w of b) counts.set(w, (counts.get(w) ?? 0) - 1);
  return new Map([...counts].filter(([, n]) => n > 0));
}

const ALWAYS_SKIPPED = new Set(['head', 'script', 'style']);
const VOID = /^(?:br|hr|img|meta|link|input|col|area|base|wbr|source|track|embed|param)$/i;
// Tags that separate words; inline ones (i, span, abbr) do not: "un<i>important</i>" is one word.
const BREAKS = /^(?:address|article|aside|blockquote|body|br|caption|dd|div|dl|dt|figcaption|figure|footer|h[1-6]|header|hgroup|hr|li|main|nav|ol|p|pre|section|table|tbody|td|th|thead|tfoot|tr|ul)$/i;

function visibleText(xhtml: string, exclude: Set<string>): string {
  const body = xhtml.replace(/<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->/gi, '');
  let out = '';
  let skipDepth = 0;
  const stack: boolean[] = [];
  let last = 0;
  for (const match of body.matchAll(/<(\/?)([\w:-]+)([^>]*?)(\/?)>/g)) {
    if (skipDepth === 0) out += decode(body.slice(last, match.index));
    last = match.index + match[0].length;
    const [, closing, name = '', attrs = '', selfClosing] = match;
    const local = name.toLowerCase().replace(/^.*:/, '');
    const gap = BREAKS.test(local) ? ' ' : '';
    if (closing) {
      if (stack.pop()) skipDepth--;
      out += gap;
      continue;
    }
    if (selfClosing || VOID.test(local)) {
      out += gap;
      continue;
    }
    const tokens = ['epub:type', 'role', 'id', 'class'].flatMap((a) => attr(`<x${attrs}>`, a).split(/\s+/));
    const skipped = ALWAYS_SKIPPED.has(local) || tokens.some((t) => exclude.has(t));
    stack.push(skipped);
    if (skipped) skipDepth++;
    out += gap;
  }
  if (skipDepth === 0) out += decode(body.slice(last));
  return out;
}

function attr(tag: string, name: string): string {
  return new RegExp(`\\s${name.replace(':', '\\:')}\\s*=\\s*"([^"]*)"`).exec(tag)?.[1] ?? new RegExp(`\\s${name}\\s*=\\s*'([^']*)'`).exec(tag)?.[1] ?? '';
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, body: string) => {
    if (body[0] === '#') return String.fromCodePoint(body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10));
    return NAMED[body] ?? whole;
  });
}
