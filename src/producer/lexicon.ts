import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError, coerceError } from '../errors.js';

/** Written word → how it should be spoken, e.g. "Passepartout" → "Pass-par-too". */
export type Lexicon = ReadonlyMap<string, string>;

const schema = z.record(z.string().trim().min(1, 'a non-empty word'), z.string().trim().min(1, 'a non-empty spoken form'));

/** Reads a lexicon file: a JSON or YAML map of word → spoken form. Errors name the file and the entry. */
export async function loadLexicon(path: string): Promise<Lexicon> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`lexicon ${path}: cannot read: ${coerceError(error).message}`);
  }
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new InputError(`lexicon ${path}: not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${coerceError(error).message}`);
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`lexicon ${path}: expected a map of word to spoken form${issue ? ` (${issue.path.join('.') || 'top level'}: ${issue.message})` : ''}`);
  }
  return new Map(Object.entries(parsed.data));
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
