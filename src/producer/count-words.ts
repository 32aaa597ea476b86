const segmenter = new Intl.Segmenter('und', { granularity: 'word' });

/**
 * Words in a text by Unicode word boundaries (Node's ICU), so Japanese, Chinese and Thai, which put no
 * spaces between words, count their words too instead of one "word" per sentence.
 */
export function countWords(text: string): number {
  let count = 0;
  for (const segment of segmenter.segment(text)) if (segment.isWordLike === true) count++;
  return count;
}
