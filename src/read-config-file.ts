import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { InputError, coerceError } from './errors.js';
import { readRegularFileSync } from './read-regular-file.js';

/** How to read one configuration file and what to say when it does not fit. */
export interface ConfigFileOptions<S extends z.ZodType> {
  /** Put before every message: where the file was named ("NARRATE_PRICES", "--lexicon"); none for a file named on the command line. */
  from?: string;
  /** The shape the file must have. */
  schema: S;
  /** Said before the first problem when the content does not fit: "invalid manifest", "not a price table". */
  invalid: string;
  /** Largest file read, in bytes; a bigger one is refused unread. */
  maxBytes: number;
  /** Added after the problem when the content does not fit, e.g. an example that does. */
  hint?: string;
  /** What an empty file (YAML null) stands for; unset, it is checked against the schema like anything else. */
  empty?: unknown;
  /** The error thrown, from its message: ConfigError for the environment, UsageError for a flag; default InputError (a book's own file). */
  error?: (message: string) => Error;
}

/**
 * Reads a JSON (.json) or YAML (anything else) configuration file: a regular file of at most
 * `maxBytes` (never a FIFO or a device, which would hang), parsed and validated with `schema`.
 * Every refusal names the file and its first problem: "NARRATE_PRICES: /etc/p.yaml: not a price
 * table: gpt-4o.textInputPerM: a number of dollars >= 0".
 */
export function readConfigFile<S extends z.ZodType>(path: string, options: ConfigFileOptions<S>): z.output<S> {
  const fail = (message: string): Error => (options.error ?? ((m: string) => new InputError(m)))(`${options.from === undefined ? '' : `${options.from}: `}${message}`);
  let text: string;
  try {
    text = readRegularFileSync(path, options.maxBytes).toString('utf8');
  } catch (error) {
    throw fail(coerceError(error).message);
  }
  const json = extname(path).toLowerCase() === '.json';
  let raw: unknown;
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw fail(`${path}: not valid ${json ? 'JSON' : 'YAML'}: ${coerceError(error).message}`);
  }
  if ((raw === null || raw === undefined) && options.empty !== undefined) raw = options.empty;
  const parsed = options.schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(top level)';
    throw fail(`${path}: ${options.invalid}: ${where}: ${issue?.message ?? 'invalid'}${options.hint === undefined ? '' : `; ${options.hint}`}`);
  }
  return parsed.data;
}
