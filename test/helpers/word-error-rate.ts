import { normalizeWords } from '../../src/verify/normalize-words.js';

/** How far a recognizer's transcript is from the text that was spoken. */
export interface WordErrors {
  /** (substitutions + deletions + insertions) ÷ reference words: 0 is perfect, and it can pass 1. */
  rate: number;
  /** Words of the reference, after normalisation. */
  words: number;
  substitutions: number;
  deletions: number;
  insertions: number;
}

/**
 * The word error rate of `hypothesis` against `reference`, both normalised by the verbatim check's own
 * rules (src/verify/normalize-words.ts, English): lower case, accents and punctuation off, contractions
 * expanded ("don't" → "do not"), "Mr" as "mister", numbers as digits ("twenty-one" and "21" agree), hyphens
 * joining; British spellings as American ones, since the recognizer's dictionary writes only those. Then the fewest word substitutions, deletions and insertions (Levenshtein over words).
 */
export function wordErrorRate(reference: string, hypothesis: string): WordErrors {
  const ref = normalizeWords(reference, { language: 'en' }).map(americanSpelling);
  const hyp = normalizeWords(hypothesis, { language: 'en' }).map(americanSpelling);
  // cost[j] and its operation counts for the previous row, one row at a time.
  type Cell = { cost: number; s: number; d: number; i: number };
  let previous: Cell[] = hyp.map((_, j) => ({ cost: j + 1, s: 0, d: 0, i: j + 1 }));
  previous.unshift({ cost: 0, s: 0, d: 0, i: 0 });
  for (let r = 1; r <= ref.length; r++) {
    const row: Cell[] = [{ cost: r, s: 0, d: r, i: 0 }];
    for (let h = 1; h <= hyp.length; h++) {
      const same = ref[r - 1] === hyp[h - 1];
      const diagonal = previous[h - 1]!;
      const up = previous[h]!;
      const left = row[h - 1]!;
      const options: Cell[] = [
        { ...diagonal, cost: diagonal.cost + (same ? 0 : 1), s: diagonal.s + (same ? 0 : 1) },
        { ...up, cost: up.cost + 1, d: up.d + 1 },
        { ...left, cost: left.cost + 1, i: left.i + 1 },
      ];
      row.push(options.reduce((best, o) => (o.cost < best.cost ? o : best)));
    }
    previous = row;
  }
  const end = previous[hyp.length]!;
  return { rate: ref.length === 0 ? (hyp.length === 0 ? 0 : 1) : end.cost / ref.length, words: ref.length, substitutions: end.s, deletions: end.d, insertions: end.i };
}

/**
 * A British spelling as the American one: pocketsphinx's US dictionary writes "recognizes" and "color"
 * for what a Verne translation spells "recognises" and "colour", the same sounds, which counted as errors
 * for every voice. Both sides are mapped alike, so two words only meet when they sound the same.
 */
export function americanSpelling(word: string): string {
  return word.replace(/^([a-z]{4,})is(e|es|ed|ing)$/, '$1iz$2').replace(/^([a-z]{2,}[^aeiou])our(s?)$/, '$1or$2');
}
