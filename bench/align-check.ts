/**
 * The alignment check's catch and false-rejection rates over many readings, in pieces that can run
 * side by side (section 8 runs them one after another in one process):
 *
 *   npx tsx bench/align-check.ts align --language en --from 0 --to 130 --out /tmp/check.jsonl
 *   npx tsx bench/align-check.ts judge /tmp/check.jsonl [more.jsonl ...]
 *
 * `align` appends, per chunk k in [from, to), the alignment of a good reading and of the same reading
 * with one sentence cut out: the same audio as section 8 makes for chunk k (bench/align-readings.ts;
 * English chunks of --books by flite, Italian windows of bench/fixtures/italiano.txt by festival).
 * `judge` runs src/align/judge-alignment.ts on every line and prints the rates: the alignments are
 * kept, so a change of the judge alone is measured again in a second.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { alignToReference } from '../src/align/align-to-reference.js';
import type { ChunkAlignment } from '../src/align/chunk-alignment.js';
import { judgeAlignment } from '../src/align/judge-alignment.js';
import { referenceVoice } from '../src/align/reference-voice.js';
import { renderReference } from '../src/align/render-reference.js';
import { CORPUS } from '../test/helpers/corpus.js';
import { joinSentences } from '../test/helpers/align-speech.js';
import { chunkSentences, sentenceWindows, textSentences } from './align-chunks.js';
import { FESTIVAL_IT, FLITE, random, read, type Pace } from './align-readings.js';
import { ROOT } from './processes.js';

/** One chunk's line: its sentences, the good reading's alignment, and the cut one's (absent under two sentences). */
interface Line {
  lang: string;
  k: number;
  pace: Pace;
  sentences: string[];
  good: ChunkAlignment;
  cut?: ChunkAlignment;
  gone: number;
}

async function align(language: string, from: number, to: number, out: string, books: string): Promise<void> {
  const chunks: string[][] = [];
  if (language === 'en') {
    for (const book of books.split(',')) chunks.push(...(await chunkSentences(isAbsolute(book) ? book : join(CORPUS, book), 'en', to - chunks.length)));
  } else if (language === 'it') {
    chunks.push(...sentenceWindows(textSentences(await readFile(join(ROOT, 'bench', 'fixtures', 'italiano.txt'), 'utf8'), 'it'), to));
  } else throw new Error(`Expected \`--language\` to be en or it, got \`${language}\``);
  const voices = language === 'en' ? FLITE : FESTIVAL_IT;
  const voice = referenceVoice(language);
  for (let k = from; k < Math.min(to, chunks.length); k++) {
    const sentences = chunks[k]!;
    const pace: Pace = k % 2 === 0 ? 'natural' : 'varied';
    const { clips, pauses } = await read(sentences, voices, pace, 5000 + k);
    const reference = await renderReference(sentences, voice);
    const alignOf = (samples: Int16Array, sampleRate: number): ChunkAlignment => {
      const { cells, ...aligned } = alignToReference(samples, sampleRate, reference);
      return { ...aligned, reference: voice, work: { renderMs: 0, alignMs: 0, cells } };
    };
    const speech = joinSentences(clips, pauses);
    const line: Line = { lang: language, k, pace, sentences, good: alignOf(speech.samples, speech.sampleRate), gone: -1 };
    if (sentences.length >= 2) {
      // The same sentence as section 8 cuts out of chunk k.
      line.gone = Math.floor(random(9000 + k)() * sentences.length);
      const cut = joinSentences(clips.filter((_, i) => i !== line.gone), pauses.filter((_, i) => i !== line.gone));
      line.cut = alignOf(cut.samples, cut.sampleRate);
    }
    await appendFile(out, `${JSON.stringify(line)}\n`);
  }
}

async function judge(files: string[]): Promise<void> {
  const lines = new Map<string, Line>();
  for (const file of files) {
    for (const text of (await readFile(file, 'utf8')).split('\n')) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as Line;
      // A chunk aligned twice (pieces that overlapped) counts once.
      lines.set(`${line.lang} ${line.k}`, line);
    }
  }
  const groups = new Map<string, { good: number; rejected: number; cut: number; caught: number }>();
  const count = (key: string) => groups.get(key) ?? groups.set(key, { good: 0, rejected: 0, cut: 0, caught: 0 }).get(key)!;
  const notes: string[] = [];
  for (const line of lines.values()) {
    const keys = ['all', line.lang, `${line.lang} ${line.pace}`];
    const good = judgeAlignment(line.good, line.sentences);
    for (const key of keys) {
      count(key).good++;
      if (!good.ok) count(key).rejected++;
    }
    if (!good.ok) notes.push(`good reading rejected: ${line.lang} chunk ${line.k} (${line.pace}): ${good.reason}`);
    if (line.cut === undefined) continue;
    const cut = judgeAlignment(line.cut, line.sentences);
    for (const key of keys) {
      count(key).cut++;
      if (!cut.ok) count(key).caught++;
    }
    if (cut.ok) notes.push(`cut not caught: ${line.lang} chunk ${line.k} (${line.pace}) without sentence ${line.gone + 1} of ${line.sentences.length}: "${line.sentences[line.gone]!.slice(0, 60)}"`);
  }
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  for (const [key, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    process.stdout.write(`${key.padEnd(12)} good rejected ${g.rejected} of ${g.good} (${pct(g.rejected, g.good)}), cut caught ${g.caught} of ${g.cut} (${pct(g.caught, g.cut)})\n`);
  }
  for (const note of notes) process.stdout.write(`  ${note}\n`);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { language: { type: 'string', default: 'en' }, from: { type: 'string', default: '0' }, to: { type: 'string', default: '200' }, out: { type: 'string' }, books: { type: 'string', default: 'alice.txt,around-the-world.txt' } },
});
const [command, ...files] = positionals;
if (command === 'align') {
  if (values.out === undefined) throw new Error('Expected `--out` to name the JSON-lines file to append to');
  await align(values.language, Number(values.from), Number(values.to), values.out, values.books);
} else if (command === 'judge' && files.length > 0) {
  await judge(files);
} else {
  throw new Error('Expected `align --language en|it --from N --to N --out FILE` or `judge FILE...`');
}
