/** A stretch of character data in an XHTML source, between two tags, that a span may wrap. */
export interface TextRun {
  /** The text with its character references decoded. */
  text: string;
  /** rawOffsets[i]: where decoded character i starts in the source; rawOffsets[text.length] is the run's end. */
  rawOffsets: number[];
  /** Inside a link: a contents list or a cross-reference, where a heading is listed rather than read. */
  inLink: boolean;
}

// Text a span may not wrap, or that no one reads: the head, scripts and styles, foreign vocabularies
// (an XHTML span inside SVG or MathML is invalid), form controls, and ruby's pronunciations.
const UNWRAPPABLE = new Set(['head', 'title', 'script', 'style', 'svg', 'math', 'textarea', 'select', 'option', 'rt', 'rp', 'noscript', 'template']);
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The runs of text in an XHTML document's body that a span can be put around without breaking the
 * document: a tokenizer over the source itself, so that wrapping inserts tags and changes nothing else
 * (a parse-and-serialize round trip would rewrite the publisher's markup).
 */
export function xhtmlTextRuns(source: string): TextRun[] {
  const runs: TextRun[] = [];
  const open: string[] = [];
  let unwrappable = 0;
  let inBody = false;
  let links = 0;
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const textEnd = lt < 0 ? source.length : lt;
    if (textEnd > i && inBody && unwrappable === 0) {
      const run = { ...decodeRun(source, i, textEnd), inLink: links > 0 };
      if (/\S/.test(run.text)) runs.push(run);
    }
    if (lt < 0) break;
    if (source.startsWith('<!--', lt)) i = after(source, '-->', lt);
    else if (source.startsWith('<![CDATA[', lt)) i = after(source, ']]>', lt);
    else if (source.startsWith('<?', lt)) i = after(source, '?>', lt);
    else if (source.startsWith('<!', lt)) i = after(source, '>', lt);
    else {
      const end = tagEnd(source, lt);
      const tag = source.slice(lt, end);
      const name = localName(tag);
      if (tag.startsWith('</')) {
        // Pop to the matching element: tolerant of the odd unbalanced end tag.
        const at = open.lastIndexOf(name);
        if (at >= 0) {
          for (const closed of open.splice(at)) {
            if (UNWRAPPABLE.has(closed)) unwrappable--;
            if (closed === 'a') links--;
          }
        }
        if (name === 'body') inBody = false;
      } else if (!tag.endsWith('/>')) {
        open.push(name);
        if (UNWRAPPABLE.has(name)) unwrappable++;
        if (name === 'a') links++;
        if (name === 'body') inBody = true;
      }
      i = end;
    }
  }
  return runs;
}

function after(source: string, marker: string, from: number): number {
  const at = source.indexOf(marker, from);
  return at < 0 ? source.length : at + marker.length;
}

/** The index just past the tag's `>`, skipping any `>` inside quoted attribute values. */
function tagEnd(source: string, lt: number): number {
  let quote = '';
  for (let i = lt + 1; i < source.length; i++) {
    const c = source[i];
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return source.length;
}

function localName(tag: string): string {
  const name = /^<\/?\s*([^\s/>]+)/.exec(tag)?.[1] ?? '';
  return name.slice(name.indexOf(':') + 1).toLowerCase();
}

function decodeRun(source: string, start: number, end: number): Omit<TextRun, 'inLink'> {
  let text = '';
  const rawOffsets: number[] = [];
  let i = start;
  while (i < end) {
    if (source[i] === '&') {
      const semi = source.indexOf(';', i);
      if (semi > i && semi < end && semi - i <= 12) {
        const decoded = decodeReference(source.slice(i + 1, semi));
        if (decoded !== undefined) {
          for (let k = 0; k < decoded.length; k++) rawOffsets.push(i);
          text += decoded;
          i = semi + 1;
          continue;
        }
      }
    }
    rawOffsets.push(i);
    text += source[i];
    i++;
  }
  rawOffsets.push(end);
  return { text, rawOffsets };
}

function decodeReference(name: string): string | undefined {
  if (name.startsWith('#x') || name.startsWith('#X')) return fromCodePoint(Number.parseInt(name.slice(2), 16));
  if (name.startsWith('#')) return fromCodePoint(Number.parseInt(name.slice(1), 10));
  return PREDEFINED[name];
}

function fromCodePoint(code: number): string | undefined {
  return Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}
