import { isEnglish } from '../language/languages.js';
import { sentenceSegments, type SpacedPiece } from '../language/segment-text.js';

// Words that end in a full stop without ending the sentence. Compared lower-cased, without the final dot.
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'messrs', 'mme', 'mlle', 'dr', 'st', 'prof', 'jr', 'sr', 'vs', 'etc', 'mt', 'capt', 'col',
  'gen', 'rev', 'lt', 'sgt', 'cpl', 'maj', 'gov', 'hon', 'fig', 'vol', 'ch', 'cf', 'approx', 'dept', 'esq',
]);
// A candidate boundary: terminal punctuation, any closing quotes or brackets, one space, then what may
// start a sentence (opening quotes or brackets, then a capital letter or a digit).
const CANDIDATE = /([.!?…]+)([”’"'»)\]]*) (?=[“‘"'«(\[]*[\p{Lu}\p{N}])/gu;
const OPENERS = /^[“‘"'«(\[]+/u;

/**
 * Splits a paragraph into sentences, each with whether a space separated it from the one before
 * (joining them so gives back the paragraph exactly). English keeps the hand-tuned rules below, which
 * know its abbreviations (ICU's sentence breaks stop after "Mr." unless given suppression data Node
 * does not expose), so English chunking stays as it was; every other language uses Intl.Segmenter.
 */
export function splitSentencesSpaced(paragraph: string, language?: string): SpacedPiece[] {
  if (isEnglish(language)) return splitSentences(paragraph).map((text, i) => ({ text, spaceBefore: i > 0 }));
  const out: SpacedPiece[] = [];
  let space = false;
  for (const segment of sentenceSegments(paragraph, language)) {
    const text = segment.trimEnd();
    if (text.trim() !== '') out.push({ text, spaceBefore: space && out.length > 0 });
    space = text !== segment || (text === '' && out.length > 0);
  }
  return out;
}

/**
 * Splits an English paragraph into sentences. Splits only at a single space, so joining the result with
 * single spaces gives back the paragraph exactly.
 */
export function splitSentences(paragraph: string): string[] {
  if (paragraph === '') return [];
  const sentences: string[] = [];
  let start = 0;
  for (const match of paragraph.matchAll(CANDIDATE)) {
    const [whole, terminal = '', closers = ''] = match;
    const end = match.index + terminal.length + closers.length;
    if (terminal === '.' && closers === '' && !endsSentence(paragraph, start, match.index, end + 1)) continue;
    sentences.push(paragraph.slice(start, end));
    start = match.index + whole.length;
  }
  sentences.push(paragraph.slice(start));
  return sentences;
}

/** Whether a single full stop at `dot` ends the sentence, judging by the word it closes and what follows. */
function endsSentence(text: string, from: number, dot: number, next: number): boolean {
  const word = (text.slice(from, dot).split(' ').at(-1) ?? '').replace(OPENERS, '');
  const lower = word.toLowerCase();
  if (ABBREVIATIONS.has(lower)) return false;
  // "No. 7" is a number; "No. I won't." is an answer.
  if (lower === 'no' && /\d/.test(text.charAt(next))) return false;
  // Initials ("J. R. R. Tolkien", "H. G. Wells"), but not the pronoun "I".
  if (/^\p{Lu}$/u.test(word) && word !== 'I') return false;
  // Dotted abbreviations: e.g., i.e., a.m., p.m., U.S.
  if (/^(?:\p{L}\.)+\p{L}$/u.test(word)) return false;
  return true;
}
