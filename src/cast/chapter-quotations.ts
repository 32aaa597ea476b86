import { findQuotations } from './find-quotations.js';

/** A quotation of a chapter: which paragraph, where in it, and its text (marks included). */
export interface Quotation {
  /** 0-based index among the chapter's quotations: the number the attribution answers by. */
  index: number;
  paragraph: number;
  start: number;
  end: number;
  text: string;
}

/** Every quotation of a chapter, numbered in reading order. Pure. */
export function chapterQuotations(paragraphs: readonly string[]): Quotation[] {
  const out: Quotation[] = [];
  paragraphs.forEach((paragraph, p) => {
    for (const span of findQuotations(paragraph)) out.push({ index: out.length, paragraph: p, start: span.start, end: span.end, text: paragraph.slice(span.start, span.end) });
  });
  return out;
}
