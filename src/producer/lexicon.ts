import { z } from 'zod';
import { readConfigFile, type ConfigFileOptions } from '../read-config-file.js';

/** Written word → how it should be spoken, e.g. "Passepartout" → "Pass-par-too". */
export type Lexicon = ReadonlyMap<string, string>;

const schema = z.record(z.string().trim().min(1, 'a non-empty word'), z.string().trim().min(1, 'a non-empty spoken form'));

/** Largest lexicon file read: a hundred thousand entries fit in a few megabytes. */
export const LEXICON_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Reads a lexicon file: a JSON or YAML map of word → spoken form, a regular file of at most
 * LEXICON_MAX_BYTES. Errors name where it was given (`from`: "NARRATE_LEXICON", "--lexicon", a
 * manifest), the file and the entry; `error` picks their class (InputError by default).
 */
export async function loadLexicon(path: string, given: Pick<ConfigFileOptions<typeof schema>, 'from' | 'error'> = { from: 'lexicon' }): Promise<Lexicon> {
  const words = readConfigFile(path, { ...given, schema, invalid: 'expected a map of word to spoken form', maxBytes: LEXICON_MAX_BYTES, empty: {} });
  return new Map(Object.entries(words));
}

/** Later lexicons override earlier ones: global, then the book's, then the command line's. */
export function mergeLexicons(...lexicons: (Lexicon | undefined)[]): Lexicon {
  const merged = new Map<string, string>();
  for (const lexicon of lexicons) for (const [k, v] of lexicon ?? []) merged.set(k, v);
  return merged;
}

/**
 * Replaces whole words (case-insensitively, longest entries first so "St. Paul" wins over "St.")
 * with their spoken forms. Applied to the text sent to the model, so the fidelity check compares
 * the transcript with what the model was asked to say.
 */
export function applyLexicon(text: string, lexicon: Lexicon): string {
  if (lexicon.size === 0) return text;
  const entries = [...lexicon.entries()].sort((a, b) => b[0].length - a[0].length);
  const lookup = new Map(entries.map(([k, v]) => [k.toLowerCase(), v]));
  // Word edges are letters/digits, so "Dr." or "C++" match as written and never inside a longer word.
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${entries.map(([k]) => escapeRegExp(k)).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  return text.replace(pattern, (match) => lookup.get(match.toLowerCase()) ?? match);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
