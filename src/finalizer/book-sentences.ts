import type { BookSentence } from '../align/book-sentence.js';
import type { SegmentTimings } from '../contracts/segment-timings.js';

/**
 * Every aligned sentence of a book on the book's timeline: each chunk's sentence timings (kept with
 * its segment) moved by where the chunk's voice starts in the book. Chapters are numbered from 1 as
 * the manifest lists them (chapters that hold chunks, in order). Chunks without timings (alignment
 * off, or a segment stored before it) add none. Pure.
 */
export function bookSentences(
  chunks: readonly { index: number; chapter: number }[],
  timings: ReadonlyMap<number, SegmentTimings | undefined>,
  chunkStarts: ReadonlyMap<number, number>,
): BookSentence[] {
  const numbers = new Map<number, number>();
  for (const c of chunks) if (!numbers.has(c.chapter)) numbers.set(c.chapter, numbers.size + 1);
  const out: BookSentence[] = [];
  for (const c of chunks) {
    const t = timings.get(c.index);
    const start = chunkStarts.get(c.index);
    if (t === undefined || start === undefined) continue;
    for (const s of t.sentences) {
      out.push({ chapter: numbers.get(c.chapter)!, chunk: c.index, text: s.text, startMs: Math.round(start + s.startMs), endMs: Math.round(start + s.endMs) });
    }
  }
  return out;
}

/** A chunk's alignment for the manifest: its cost and its sentences' mean confidence. */
export function chunkAlignmentSummary(t: SegmentTimings | undefined): { alignment?: { cost: number; confidence: number; reference: string } } {
  if (t === undefined) return {};
  const spoken = t.sentences.filter((s) => s.endMs > s.startMs);
  const confidence = spoken.length === 0 ? 1 : spoken.reduce((n, s) => n + s.confidence, 0) / spoken.length;
  return { alignment: { cost: t.cost, confidence: Math.round(confidence * 100) / 100, reference: t.reference } };
}
