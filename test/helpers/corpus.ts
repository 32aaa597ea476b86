import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ../shared/corpus beside the repository: real public-domain books (CI clones main next to shared/).
 * NARRATE_TEST_CORPUS names it instead for a checkout elsewhere (a git worktree).
 */
export const CORPUS = process.env.NARRATE_TEST_CORPUS ?? fileURLToPath(new URL('../../../shared/corpus', import.meta.url));

/** The whole paragraph of `file` that starts with `opening` (after any opening quotation mark), its lines joined. */
export async function corpusParagraph(file: string, opening: string): Promise<string> {
  const path = join(CORPUS, file);
  if (!existsSync(path)) throw new Error(`${path} not found (../shared/corpus beside the repository)`);
  const text = (await readFile(path, 'utf8')).replace(/\r/g, '');
  // A paragraph of dialogue opens with its quotation mark; the opening words are matched without it.
  const found = text.split(/\n\s*\n/).find((p) => p.trimStart().replace(/^["'\u2018\u201C]+/u, '').startsWith(opening));
  if (found === undefined) throw new Error(`no paragraph of ${file} starts with "${opening}"`);
  return found.replace(/\s+/g, ' ').trim();
}
