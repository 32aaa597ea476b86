import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InputError } from '../errors.js';

/** Extensions a directory batch picks up: one book per file. */
export const BOOK_EXTENSIONS = new Set(['.txt', '.md', '.markdown', '.epub']);

/** The result of expanding the command line: book paths in order, and the inputs that were unusable. */
export interface ExpandedInputs {
  paths: string[];
  failures: { source: string; error: InputError }[];
}

/**
 * Turns the paths a user typed into book paths: a file is a book (or a manifest), a directory is a
 * batch of its .txt/.md/.epub files in name order. A missing path is named, the rest go on.
 */
export async function expandInputs(inputs: string[]): Promise<ExpandedInputs> {
  const result: ExpandedInputs = { paths: [], failures: [] };
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      result.failures.push({ source: input, error: new InputError(`${input}: no such file or directory`) });
      continue;
    }
    if (!info.isDirectory()) {
      result.paths.push(input);
      continue;
    }
    const names = (await readdir(input, { withFileTypes: true }))
      .filter((d) => d.isFile() && BOOK_EXTENSIONS.has(extname(d.name).toLowerCase()))
      .map((d) => d.name)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (names.length === 0) {
      result.failures.push({ source: input, error: new InputError(`${input}: directory holds no .txt, .md or .epub files`) });
    }
    result.paths.push(...names.map((n) => join(input, n)));
  }
  return result;
}
