/** Chunks of a real book, each as the sentences the aligner will be given: what a worker aligns. */
import { loadBook } from '../src/producer/load-book.js';
import { splitChunks, DEFAULT_MAX_CHARS } from '../src/producer/split-chunks.js';
import { splitSentencesSpaced } from '../src/producer/split-sentences.js';
import type { Chapter } from '../src/contracts/book-text.js';

/** The sentences of each chunk of the book at `path` (chunked as narrate chunks it), the first `limit` chunks. */
export async function chunkSentences(path: string, language: string, limit: number): Promise<string[][]> {
  if (limit <= 0) return [];
  const book = await loadBook(path);
  return sentencesOf(book.chapters, language).slice(0, limit);
}

/** The same for a plain text: paragraphs separated by blank lines, in one chapter. */
export function textSentences(text: string, language: string): string[][] {
  return sentencesOf([{ title: '', paragraphs: text.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()) }], language);
}

function sentencesOf(chapters: Chapter[], language: string): string[][] {
  return splitChunks(chapters, DEFAULT_MAX_CHARS, language).map((c) =>
    c.text
      .split(/\n\n+/)
      .flatMap((p) => splitSentencesSpaced(p, language).map((s) => s.text.trim()))
      .filter((s) => s !== ''),
  );
}

/**
 * `count` chunks made of a short text's sentences: windows of 6 to 12 consecutive sentences, starting
 * 5 sentences apart and wrapping around. A text of a few dozen sentences (bench/fixtures/italiano.txt)
 * then gives as many distinct readings as a book, though neighbouring windows share sentences.
 */
export function sentenceWindows(chunks: readonly string[][], count: number): string[][] {
  const all = chunks.flat();
  if (all.length === 0) return [];
  return Array.from({ length: count }, (_, k) => Array.from({ length: 6 + (k % 7) }, (_, i) => all[(k * 5 + i) % all.length]!));
}
