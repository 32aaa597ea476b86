/** Where one quotation sits in a paragraph: `text.slice(start, end)`, its quotation marks included. */
export interface QuoteSpan {
  start: number;
  end: number;
}

// The closing mark each opening mark waits for. A straight quote closes with itself or its curly
// form, since books mix them; a quotation of the other kind inside ("I see what I eat" inside
// 'You might just as well say...') stays part of the outer one.
const CLOSERS: Readonly<Record<string, string>> = {
  '"': '"\u201D',
  '\u201C': '\u201D"',
  '\u201E': '\u201C\u201D"',
  '\'': '\'\u2019',
  '\u2018': '\u2019\'',
  '\u00AB': '\u00BB',
  '\u00BB': '\u00AB',
};

const LETTER = /[\p{L}\p{N}]/u;

/**
 * The quotations of one paragraph, in order. A single quote opens a quotation only where it starts a
 * word (after a space or the paragraph's start) and closes one only where it ends a word, so the
 * apostrophes of "it's" and "o'clock" are not taken for quotation marks. A quotation still open at
 * the paragraph's end runs to it (speech that goes on into the next paragraph opens it again). Pure.
 */
export function findQuotations(paragraph: string): QuoteSpan[] {
  const spans: QuoteSpan[] = [];
  let open: { start: number; closers: string } | undefined;
  for (let i = 0; i < paragraph.length; i++) {
    const ch = paragraph[i]!;
    const before = i === 0 ? '' : paragraph[i - 1]!;
    const after = i + 1 < paragraph.length ? paragraph[i + 1]! : '';
    if (open === undefined) {
      const closers = CLOSERS[ch];
      if (closers === undefined) continue;
      if (ch === '\u00BB' && !paragraph.includes('\u00AB', i)) continue; // » opens only in texts that quote »…«
      // An opening mark stands before a word, never after a letter (the apostrophe of "Alice's").
      if (LETTER.test(before) || after === '' || /\s/.test(after)) continue;
      open = { start: i, closers };
      continue;
    }
    if (!open.closers.includes(ch)) continue;
    // A closing mark ends a word: a letter after it makes it an apostrophe ("don't", "'em").
    if (LETTER.test(after) || /\s/.test(before)) continue;
    spans.push({ start: open.start, end: i + 1 });
    open = undefined;
  }
  if (open !== undefined) spans.push({ start: open.start, end: paragraph.length });
  return spans;
}
