import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

/** A plain-text book of `count` one-sentence paragraphs, each a chunk of its own at `maxChars`. */
export interface ParagraphBook {
  path: string;
  /** Paragraph i is chunk i's exact text. No paragraph contains another, so fake.callsFor(p) counts only p. */
  paragraphs: string[];
  /** A --max-chars that fits any one paragraph but never two. */
  maxChars: number;
}

const WORDS = ['amber', 'birch', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'harbor', 'iris', 'juniper', 'kestrel', 'lantern', 'meadow', 'nectar', 'orchid', 'pebble', 'quarry', 'raven', 'saffron', 'thistle'];

/** Writes `<dir>/<name>.txt` with `count` distinct paragraphs. */
export async function writeParagraphBook(dir: string, name: string, count: number): Promise<ParagraphBook> {
  const paragraphs = Array.from(
    { length: count },
    (_, i) => `Paragraph ${i + 1} tells of the ${WORDS[i % WORDS.length]} ${WORDS[(i * 7 + 3) % WORDS.length]} that waited by the river until morning came.`,
  );
  const longest = Math.max(...paragraphs.map((p) => p.length));
  const shortest = Math.min(...paragraphs.map((p) => p.length));
  const maxChars = longest + 10;
  // Two paragraphs joined by a blank line must not fit, or the chunker would pack them together.
  if (2 * shortest + 2 <= maxChars) throw new Error('paragraph-book: paragraphs too uneven for one chunk each');
  const path = join(dir, `${name}.txt`);
  await writeFile(path, `${paragraphs.join('\n\n')}\n`);
  return { path, paragraphs, maxChars };
}

/** What `narrate submit` printed for one book. */
export interface SubmittedBookLine {
  bookId: string;
  title: string;
  chunks: number;
}

/** Runs the real `narrate submit <path> --out <out> --format wav --max-chars N` and parses its one line. */
export async function submitWithCli(book: ParagraphBook, out: string, env: Record<string, string>): Promise<SubmittedBookLine> {
  const result = await runCli(['submit', book.path, '--out', out, '--format', 'wav', '--max-chars', String(book.maxChars)], env, { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`narrate submit exited ${String(result.code)}: ${result.stderr}`);
  const match = /^(\S+)\t(.*)\t(\d+) chunks$/m.exec(result.stdout);
  if (!match) throw new Error(`narrate submit printed an unexpected line: ${JSON.stringify(result.stdout)}`);
  return { bookId: match[1]!, title: match[2]!, chunks: Number(match[3]) };
}
