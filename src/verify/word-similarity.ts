import { isEnglish } from '../language/languages.js';
import { normalizeWords } from './normalize-words.js';

/** How closely a transcript follows the text it was meant to read. */
export interface WordSimilarity {
  /** 1 for a word-perfect reading, 0 for nothing in common; 1 − word edits ÷ the longer side's word count. */
  score: number;
  /** Normalised words of the text that the reading left out or said differently, in order. */
  missing: string[];
  /** Normalised words the reading added or said instead, in order. */
  extra: string[];
}

// Costs in half-words, so a spelling variant or a split word can cost half a word and stay an integer.
const MATCH = 0;
const HALF = 1;
const WHOLE = 2;

// Direction codes for the trace-back.
const OP_MATCH = 0;
const OP_NEAR = 1;
const OP_SUBSTITUTE = 2;
const OP_MISSING = 3;
const OP_EXTRA = 4;
/** Two expected words heard as one ("any one" / "anyone", "18 66" / "1866"). */
const OP_JOINED = 5;
/** One expected word heard as two. */
const OP_SPLIT = 6;

/** Above this many cells the trace-back matrix (one byte each) is skipped and missing/extra become a bag difference. */
const MAX_TRACE_CELLS = 16_000_000;

/** One expected numeral heard as a short run of words ("1866" → "mille huit cent soixante six"). */
const OP_NUMERAL = 7;

/** How to compare. */
export interface SimilarityOptions {
  /** The book's language (BCP 47); default English. */
  language?: string;
}

/**
 * Word-level, order-aware similarity of a transcript to its text: an edit-distance alignment of their
 * normalised words.
 *
 * Numbers: English turns number words into digits on both sides (normalize-words.ts), so "1866" and
 * "eighteen sixty-six" meet exactly. Other languages have no such parser here (number words in every
 * language narrate may read are a project of their own), so a numeral in the text may instead align, at
 * no cost, with a run of up to numeralRunLimit() heard words that hold no digit. The bound is what keeps
 * it honest: a numeral cannot swallow a sentence, a different number written in digits is still a
 * different word, and every word around the numeral must still be read, so a translated or invented
 * reading fails on the rest of the text.
 */
export function wordSimilarity(expected: string, heard: string, options: SimilarityOptions = {}): WordSimilarity {
  const normalize = options.language === undefined ? {} : { language: options.language };
  return alignWords(normalizeWords(expected, normalize), normalizeWords(heard, normalize), !isEnglish(options.language));
}

/** Longest run of words a numeral may be read as: two per digit and one more ("21" → "vingt et un"), at most 12. */
export function numeralRunLimit(numeral: string): number {
  if (!/^\d+(?:\.\d+)?$/u.test(numeral)) return 0;
  return Math.min(12, 2 * numeral.replace('.', '').length + 1);
}

function alignWords(a: readonly string[], b: readonly string[], numeralRuns = false): WordSimilarity {
  const n = a.length;
  const m = b.length;
  if (n === 0 && m === 0) return { score: 1, missing: [], extra: [] };
  if (n === 0 || m === 0) return { score: 0, missing: [...a], extra: [...b] };

  // Compare integers, not strings, in the inner loop.
  const ids = new Map<string, number>();
  const idOf = (word: string): number => {
    let id = ids.get(word);
    if (id === undefined) {
      id = ids.size;
      ids.set(word, id);
    }
    return id;
  };
  const idsA = Int32Array.from(a, idOf);
  const idsB = Int32Array.from(b, idOf);
  // joinedA[i] is the id of a[i-2]+a[i-1] when the other side has that word, else -1 (and likewise for b).
  const joinedA = new Int32Array(n + 1).fill(-1);
  for (let i = 2; i <= n; i++) joinedA[i] = ids.get(a[i - 2]! + a[i - 1]!) ?? -1;
  const joinedB = new Int32Array(m + 1).fill(-1);
  for (let j = 2; j <= m; j++) joinedB[j] = ids.get(b[j - 2]! + b[j - 1]!) ?? -1;
  const words = [...ids.keys()];
  const nearCache = new Map<number, boolean>();
  const isNear = (x: number, y: number): boolean => {
    const key = x * ids.size + y;
    let near = nearCache.get(key);
    if (near === undefined) {
      near = spellingVariants(words[x]!, words[y]!);
      nearCache.set(key, near);
    }
    return near;
  };

  const trace = (n + 1) * (m + 1) <= MAX_TRACE_CELLS ? new Uint8Array((n + 1) * (m + 1)) : undefined;
  // For OP_NUMERAL: how many heard words the numeral took. Only allocated when numerals may be read as words.
  const runs = numeralRuns && trace !== undefined ? new Uint8Array((n + 1) * (m + 1)) : undefined;
  const runLimit = numeralRuns ? Int32Array.from(a, numeralRunLimit) : undefined;
  // wordless[j]: how many heard words up to and including b[j-1] in a row hold no digit.
  const wordless = new Int32Array(m + 1);
  for (let j = 1; j <= m; j++) wordless[j] = /\d/u.test(b[j - 1]!) ? 0 : wordless[j - 1]! + 1;
  // Three rows: the split/join moves look two rows back.
  let before = new Uint32Array(m + 1);
  let previous = new Uint32Array(m + 1);
  let row = new Uint32Array(m + 1);
  for (let j = 0; j <= m; j++) {
    previous[j] = j * WHOLE;
    if (trace !== undefined) trace[j] = OP_EXTRA;
  }
  for (let i = 1; i <= n; i++) {
    row[0] = i * WHOLE;
    if (trace !== undefined) trace[i * (m + 1)] = OP_MISSING;
    const idA = idsA[i - 1]!;
    const joinA = joinedA[i]!;
    for (let j = 1; j <= m; j++) {
      const idB = idsB[j - 1]!;
      let op: number;
      let cost: number;
      if (idA === idB) {
        op = OP_MATCH;
        cost = previous[j - 1]! + MATCH;
      } else if (isNear(idA, idB)) {
        op = OP_NEAR;
        cost = previous[j - 1]! + HALF;
      } else {
        op = OP_SUBSTITUTE;
        cost = previous[j - 1]! + WHOLE;
      }
      const missing = previous[j]! + WHOLE;
      if (missing < cost) {
        op = OP_MISSING;
        cost = missing;
      }
      const extra = row[j - 1]! + WHOLE;
      if (extra < cost) {
        op = OP_EXTRA;
        cost = extra;
      }
      if (joinA !== -1 && joinA === idB) {
        const joined = before[j - 1]! + HALF;
        if (joined < cost) {
          op = OP_JOINED;
          cost = joined;
        }
      }
      if (j >= 2 && joinedB[j] === idA) {
        const split = previous[j - 2]! + HALF;
        if (split < cost) {
          op = OP_SPLIT;
          cost = split;
        }
      }
      const limit = runLimit === undefined ? 0 : Math.min(runLimit[i - 1]!, wordless[j]!);
      let run = 0;
      for (let k = 1; k <= limit; k++) {
        const numeral = previous[j - k]!;
        if (numeral < cost) {
          op = OP_NUMERAL;
          cost = numeral;
          run = k;
        }
      }
      row[j] = cost;
      if (trace !== undefined) trace[i * (m + 1) + j] = op;
      if (runs !== undefined && op === OP_NUMERAL) runs[i * (m + 1) + j] = run;
    }
    [before, previous, row] = [previous, row, before];
  }
  const distance = previous[m]! / WHOLE;
  const score = Math.min(1, Math.max(0, 1 - distance / Math.max(n, m)));
  return { score, ...(trace === undefined ? bagDifference(a, b) : traceBack(trace, a, b, runs)) };
}

/** Walks the alignment back from the end, collecting what was left out and what was added. */
function traceBack(trace: Uint8Array, a: readonly string[], b: readonly string[], runs?: Uint8Array): { missing: string[]; extra: string[] } {
  const width = b.length + 1;
  const missing: string[] = [];
  const extra: string[] = [];
  let i = a.length;
  let j = b.length;
  while (i > 0 || j > 0) {
    const op = i === 0 ? OP_EXTRA : j === 0 ? OP_MISSING : trace[i * width + j]!;
    switch (op) {
      case OP_MATCH:
        i--;
        j--;
        break;
      case OP_NEAR:
      case OP_SUBSTITUTE:
        missing.push(a[--i]!);
        extra.push(b[--j]!);
        break;
      case OP_MISSING:
        missing.push(a[--i]!);
        break;
      case OP_EXTRA:
        extra.push(b[--j]!);
        break;
      case OP_JOINED:
        i -= 2;
        j--;
        break;
      case OP_SPLIT:
        i--;
        j -= 2;
        break;
      case OP_NUMERAL:
        j -= runs?.[i * width + j] ?? 1;
        i--;
        break;
    }
  }
  return { missing: missing.reverse(), extra: extra.reverse() };
}

/** Order-blind fallback for inputs too large to trace: words on one side that the other side lacks. */
function bagDifference(a: readonly string[], b: readonly string[]): { missing: string[]; extra: string[] } {
  return { missing: wordsNotIn(a, b), extra: wordsNotIn(b, a) };
}

/** The words of `from` left over once each word of `other` has cancelled one equal word. */
function wordsNotIn(from: readonly string[], other: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const word of other) counts.set(word, (counts.get(word) ?? 0) + 1);
  const left: string[] = [];
  for (const word of from) {
    const count = counts.get(word) ?? 0;
    if (count > 0) counts.set(word, count - 1);
    else left.push(word);
  }
  return left;
}

/**
 * "colour"/"color", "grey"/"gray", "theatre"/"theater": one edit or swap apart in words of four letters or
 * more. A transcript may spell a word its own way; that should cost less than a wrong word. Numbers never
 * qualify: "1866" and "1867" are different years.
 */
function spellingVariants(x: string, y: string): boolean {
  if (x.length < 4 || y.length < 4 || Math.abs(x.length - y.length) > 1) return false;
  if (/\d/u.test(x) || /\d/u.test(y)) return false;
  return withinOneEdit(x, y);
}

/** Optimal-string-alignment distance ≤ 1: one insertion, deletion, substitution or adjacent swap. */
function withinOneEdit(x: string, y: string): boolean {
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  const restX = endX - start;
  const restY = endY - start;
  if (restX <= 1 && restY <= 1) return true;
  // An adjacent swap leaves a two-letter difference that is the same letters reversed.
  return restX === 2 && restY === 2 && x[start] === y[start + 1] && x[start + 1] === y[start];
}
