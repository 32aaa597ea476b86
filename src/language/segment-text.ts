import { UNSPACED_LANGUAGES, baseLanguage } from './languages.js';

/**
 * Sentences and words from Intl.Segmenter (ICU's UAX #29 rules, with dictionaries for scripts that
 * write no spaces: Japanese, Chinese, Thai, Lao, Khmer, Burmese). Node ships full ICU, so no package.
 */

const sentenceSegmenters = new Map<string, Intl.Segmenter>();
const wordSegmenters = new Map<string, Intl.Segmenter>();

function segmenter(cache: Map<string, Intl.Segmenter>, language: string | undefined, granularity: 'sentence' | 'word'): Intl.Segmenter {
  const key = language ?? '';
  let found = cache.get(key);
  if (found === undefined) {
    found = new Intl.Segmenter(language, { granularity });
    cache.set(key, found);
  }
  return found;
}

// A segment ICU started with closing punctuation ("» Puis il…" after "« Bonjour ! ") belongs to the sentence before.
const LEADING_CLOSERS = /^[\p{Pe}\p{Pf}»”’"')\]」』）】〉》]+\s*/u;
// ICU breaks after any "X." followed by a capital: an initial ("M. Dupont", "J. Verne") does not end a sentence.
const ENDS_WITH_INITIAL = /(?:^|[\s(«“"])\p{Lu}\.\s*$/u;

/**
 * The sentences of a text, each with the whitespace that follows it: joined with '' they give back the
 * text exactly, so a language that puts no space between sentences gets none added.
 */
export function sentenceSegments(text: string, language?: string): string[] {
  const out: string[] = [];
  for (const { segment } of segmenter(sentenceSegmenters, language, 'sentence').segment(text)) {
    let rest = segment;
    const last = out.length - 1;
    if (last >= 0) {
      const closers = LEADING_CLOSERS.exec(rest)?.[0] ?? '';
      if (closers !== '') {
        out[last] += closers;
        rest = rest.slice(closers.length);
      }
      if (rest !== '' && ENDS_WITH_INITIAL.test(out[last]!)) {
        out[last] += rest;
        continue;
      }
    }
    if (rest !== '') out.push(rest);
  }
  return out;
}

/** A piece of text and whether whitespace separated it from the piece before. */
export interface SpacedPiece {
  text: string;
  spaceBefore: boolean;
}

/**
 * Pieces a text can be cut between: words with the punctuation that follows them, and whether a space
 * stood before each. Joining them (with a space where one stood) gives back the text with its spacing.
 */
export function wordPieces(text: string, language?: string): SpacedPiece[] {
  const out: SpacedPiece[] = [];
  let space = false;
  for (const { segment, isWordLike } of segmenter(wordSegmenters, language, 'word').segment(text)) {
    if (/^\s+$/u.test(segment)) {
      space = true;
      continue;
    }
    const last = out.at(-1);
    // Punctuation stays with the word it follows, so no piece starts with a comma or a 「。」.
    if (last !== undefined && !space && isWordLike !== true) last.text += segment;
    else out.push({ text: segment, spaceBefore: space && out.length > 0 });
    space = false;
  }
  return out;
}

/** The words of a run of text, as ICU's word boundaries find them (punctuation and spaces left out). */
export function segmentWords(text: string, language?: string): string[] {
  const words: string[] = [];
  for (const { segment, isWordLike } of segmenter(wordSegmenters, language, 'word').segment(text)) {
    if (isWordLike === true) words.push(segment);
  }
  return words;
}

/** Whether this language's script writes no spaces between words. */
export function isUnspaced(language: string | undefined): boolean {
  return language !== undefined && UNSPACED_LANGUAGES.has(baseLanguage(language));
}
