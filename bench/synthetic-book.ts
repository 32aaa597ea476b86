/** A made-up book whose paragraphs each become exactly one chunk, so N chunks means N model calls. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadBook } from '../src/producer/load-book.js';
import { splitChunks } from '../src/producer/split-chunks.js';

// Plain words only: nothing that findChapters could take for a heading ("chapter", "prologue", ...).
const WORDS = (
  'the harbor light fell across quiet water while old boats rocked near stone walls and gulls called ' +
  'over fishermen mending nets beside warm kitchens where bread cooled slowly under morning clouds ' +
  'a keeper climbed narrow stairs each evening to trim wicks polish brass and watch distant ships pass'
).split(' ');

/** A deterministic PRNG (mulberry32) so a given seed always writes the same book. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One paragraph of `chars - 8` to `chars` characters; the leading number keeps every paragraph distinct. */
function paragraph(index: number, chars: number, next: () => number, salt: string): string {
  let text = `Passage ${index} ${salt}`;
  while (text.length < chars - 8) {
    const word = WORDS[Math.floor(next() * WORDS.length)]!;
    if (text.length + 1 + word.length > chars - 1) break;
    text += ` ${word}`;
  }
  return `${text}.`;
}

export interface SyntheticBook {
  path: string;
  /** The `--max-chars` that makes each paragraph its own chunk. */
  maxChars: number;
  /** The chunk texts exactly as the producer makes them (the naive baseline reads these). */
  texts: string[];
}

/**
 * Writes `count` paragraphs of about `chars` characters as a .txt book. `salt` makes books of
 * different sections distinct, so the content-addressed store never serves one section's audio to another.
 */
export async function writeSyntheticBook(dir: string, name: string, count: number, chars: number, salt: string): Promise<SyntheticBook> {
  const next = random(count * 7919 + chars);
  const paragraphs = Array.from({ length: count }, (_, i) => paragraph(i + 1, chars, next, salt));
  const path = join(dir, `${name}.txt`);
  await writeFile(path, `${paragraphs.join('\n\n')}\n`);
  // Paragraphs are packed greedily while they fit; two of at least chars-8 never fit in chars+10.
  const maxChars = chars + 10;
  const book = await loadBook(path);
  const texts = splitChunks(book.chapters, maxChars).map((c) => c.text);
  if (texts.length !== count) throw new Error(`synthetic book ${name}: expected ${count} chunks, the producer made ${texts.length}`);
  return { path, maxChars, texts };
}
