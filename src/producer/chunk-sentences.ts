import { splitSentencesSpaced } from './split-sentences.js';

/**
 * A chunk's sentences in reading order, as the aligner times them and `narrate plan --json` shows
 * them: each paragraph (a chunk joins paragraphs with blank lines) cut as the producer cuts it into
 * sentences (split-sentences.ts), in the book's language. Pure.
 */
export function chunkSentences(text: string, language?: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/\s*\n\s*/g, ' ').trim())
    .filter((paragraph) => paragraph !== '')
    .flatMap((paragraph) => splitSentencesSpaced(paragraph, language).map((s) => s.text.trim()))
    .filter((sentence) => sentence !== '');
}
