import type { BookSentence } from '../align/book-sentence.js';

/** What the read-along view shows of a finished book: its chapters' titles and its timed sentences. */
export interface ReadAlongText {
  chapters: string[];
  sentences: BookSentence[];
  /** Chunks (manifest indexes) narrated without sentence timings because their aligner failed: their text is not among `sentences`. */
  unaligned: number[];
}

/**
 * The read-along text in a book's manifest (`<slug>.json`): its chapter titles and `sentences`, each
 * with a finite, ordered time, and the chunks that have none because their aligner failed. Undefined
 * when the manifest has no sentences (alignment off, or a book made before it); a malformed sentence
 * is left out rather than trusted. Pure.
 */
export function readAlongText(manifest: unknown): ReadAlongText | undefined {
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  const { chapters, sentences, chunks } = manifest as { chapters?: unknown; sentences?: unknown; chunks?: unknown };
  if (!Array.isArray(sentences) || sentences.length === 0) return undefined;
  const titles = Array.isArray(chapters) ? chapters.map((c) => (typeof c === 'object' && c !== null && typeof (c as { title?: unknown }).title === 'string' ? (c as { title: string }).title : '')) : [];
  const kept = sentences.filter(
    (s): s is BookSentence =>
      typeof s === 'object' &&
      s !== null &&
      typeof s.text === 'string' &&
      Number.isInteger(s.chapter) &&
      Number.isInteger(s.chunk) &&
      Number.isFinite(s.startMs) &&
      Number.isFinite(s.endMs) &&
      s.endMs >= s.startMs,
  );
  const unaligned = Array.isArray(chunks)
    ? chunks.flatMap((c) => (typeof c === 'object' && c !== null && typeof (c as { unaligned?: unknown }).unaligned === 'string' && Number.isInteger((c as { index?: unknown }).index) ? [(c as { index: number }).index] : []))
    : [];
  return kept.length === 0 ? undefined : { chapters: titles, sentences: kept.map(({ chapter, chunk, text, startMs, endMs }) => ({ chapter, chunk, text, startMs, endMs })), unaligned };
}
