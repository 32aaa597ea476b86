import type { HTMLElement } from 'node-html-parser';
import { countWords } from '../count-words.js';
import { childElements, localName } from '../../epub/markup.js';

/** Tables larger than this are not read cell by cell: a listener cannot follow them. */
export const MAX_TABLE_ROWS = 20;
export const MAX_TABLE_COLUMNS = 6;
const MAX_MEAN_CELL_WORDS = 8;
/** A table this small is read as text however many columns it has: a listener follows one or two rows. */
const SMALL_TABLE_ROWS = 2;

/**
 * A data table as lines to read. One behaviour everywhere:
 * - the caption is read first;
 * - each body row is one line, each cell prefixed by its column's header ("Name: Ada; Born: 1815"),
 *   row-header cells (`<th>` in a body row) read as they are;
 * - a grid of short values (8 words a cell or fewer on average) with more than 20 body rows or 6
 *   columns is replaced by a short spoken note ("A table of 40 rows and 3 columns, not read aloud."),
 *   after its caption; a table of prose (a play's speeches set in rows) is always read in full, and so
 *   is a table of one or two rows (a wine's area, yield and price set in seven cells);
 * - a row left with nothing but a label ("Example:" beside a code example that is not read) is not read.
 * `cellText` reads a cell with every inline rule (math, ruby, note marks).
 */
export function tableToText(table: HTMLElement, cellText: (cell: HTMLElement) => string): string[] {
  const lines: string[] = [];
  const caption = childElements(table).find((child) => localName(child.rawTagName) === 'caption');
  const captionText = caption ? cellText(caption) : '';
  if (captionText !== '') lines.push(captionText);
  const rows = rowsOf(table);
  const head = childElements(table).find((child) => localName(child.rawTagName) === 'thead');
  let headerRow: HTMLElement | undefined;
  if (head) headerRow = rowsOf(head).at(-1);
  else if (rows[0] && cellsOf(rows[0]).every((cell) => localName(cell.rawTagName) === 'th')) headerRow = rows[0];
  const headRows = new Set(head ? rowsOf(head) : headerRow ? [headerRow] : []);
  const body = rows.filter((row) => !headRows.has(row));
  const labels = headerRow ? cellsOf(headerRow).map(cellText) : [];
  const columns = Math.max(0, ...rows.map((row) => cellsOf(row).length));
  const cells = body.flatMap(cellsOf).map(cellText).filter((text) => text !== '');
  const meanWords = cells.reduce((sum, text) => sum + countWords(text), 0) / Math.max(1, cells.length);
  // Only a grid of short values is too much to follow; a table of prose (a play's speeches) is read in full.
  const large = body.length > MAX_TABLE_ROWS || columns > MAX_TABLE_COLUMNS;
  if (large && body.length > SMALL_TABLE_ROWS && meanWords <= MAX_MEAN_CELL_WORDS) {
    lines.push(`A table of ${count(body.length, 'row')} and ${count(columns, 'column')}, not read aloud.`);
    return lines;
  }
  if (body.length === 0 && labels.length > 0) lines.push(labels.filter((l) => l !== '').join('; '));
  for (const row of body) {
    const parts = cellsOf(row).flatMap((cell, j) => {
      const text = cellText(cell);
      if (text === '') return [];
      const label = labels[j] ?? '';
      return [localName(cell.rawTagName) === 'th' || label === '' ? text : `${label}: ${text}`];
    });
    if (parts.length > 0 && !(parts.length === 1 && LABEL_ONLY.test(parts[0] ?? ''))) lines.push(parts.join('; '));
  }
  return lines;
}

// A cell that only names what the next cell holds: alone on its row it says nothing.
const LABEL_ONLY = /^[^.!?;]{1,40}:$/u;

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The rows of a table or a row group, not those of tables nested in cells. */
function rowsOf(container: HTMLElement): HTMLElement[] {
  return childElements(container).flatMap((child) => {
    const tag = localName(child.rawTagName);
    if (tag === 'tr') return [child];
    if (tag === 'thead' || tag === 'tbody' || tag === 'tfoot') return rowsOf(child);
    return [];
  });
}

function cellsOf(row: HTMLElement): HTMLElement[] {
  return childElements(row).filter((cell) => /^t[dh]$/.test(localName(cell.rawTagName)));
}
