/**
 * A library of small two-chapter books cut from real prose (../shared/corpus: Alice and Around the
 * World), so language detection, sentence splitting and chunking see what a real library gives
 * them, not a template. Deterministic: book `i` is always the same text.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CORPUS } from '../test/helpers/corpus.js';

/** Where the corpus is: ../shared/corpus beside the repository, or BENCH_CORPUS (a worktree elsewhere). */
const CORPUS_DIR = process.env.BENCH_CORPUS ?? CORPUS;

/** The prose the books are cut from. */
const SOURCES = ['alice.txt', 'around-the-world.txt'];

/** Paragraphs of a plain-text corpus book worth reading aloud: between 200 and 1,200 characters, no headings. */
async function corpusParagraphs(): Promise<string[]> {
  const out: string[] = [];
  for (const file of SOURCES) {
    const text = (await readFile(join(CORPUS_DIR, file), 'utf8')).replace(/\r/g, '');
    for (const p of text.split(/\n\s*\n/)) {
      const flat = p.replace(/\s+/g, ' ').trim();
      // Headings, licence lines and one-line speeches would make books of a sentence: left out.
      if (flat.length >= 200 && flat.length <= 1_200 && !/^(CHAPTER|\*\*\*)/i.test(flat) && !/gutenberg/i.test(flat)) out.push(flat);
    }
  }
  return out;
}

/**
 * Writes `count` books (`book-00000.md`, ...) into `dir`: a title and two chapters of two paragraphs
 * each, taken from different places of the corpus so no two books share a chapter's text. About
 * 1-4 KB each; returns the total bytes written.
 */
export async function writeLibrary(dir: string, count: number): Promise<number> {
  await mkdir(dir, { recursive: true });
  const paragraphs = await corpusParagraphs();
  const n = paragraphs.length;
  const at = (k: number) => paragraphs[((k % n) + n) % n]!;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    // Four paragraphs per book from strides that are prime to n, so the combinations do not repeat.
    const one = `${at(i)}\n\n${at(i * 7 + 3)}`;
    const two = `${at(i * 13 + 5)}\n\n${at(i * 31 + 11)}`;
    const title = `${at(i * 17 + 2).split(' ').slice(0, 4).join(' ').replace(/[^\p{L}\p{N} ]/gu, '')} ${i + 1}`;
    const text = `# ${title}\n\n## The First Part\n\n${one}\n\n## The Second Part\n\n${two}\n`;
    bytes += Buffer.byteLength(text);
    await writeFile(join(dir, `book-${String(i).padStart(5, '0')}.md`), text);
  }
  return bytes;
}
