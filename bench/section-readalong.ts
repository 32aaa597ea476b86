/**
 * Section 9: how much of a real EPUB the read-along EPUB synchronizes, and what finding the sentences
 * costs. Every EPUB of ../shared/corpus is read as narrate reads it (readEpub, chapters' paragraphs cut
 * into sentences as chunks are), and each spoken sentence is looked for in the book's own XHTML
 * (epub/wrap-sentences.ts): the share found is the share highlighted as it is heard; the rest
 * is heard unhighlighted. Time is the wall time of wrapSentences on this (shared) machine.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openPackage } from '../src/epub/open-package.js';
import { wrapSentences, type SourceDocument } from '../src/epub/wrap-sentences.js';
import { readEpub } from '../src/producer/read-epub.js';
import { splitSentences } from '../src/producer/split-sentences.js';
import { CORPUS } from '../test/helpers/corpus.js';
import type { BenchOptions } from './options.js';
import type { Report } from './report.js';
import { fixed, pct } from './stats.js';

const BOOKS = ['alice', 'around-the-world', 'sherlock-holmes', 'devils-dictionary', 'leaves-of-grass'];

export async function readalongSection(o: BenchOptions, report: Report): Promise<void> {
  const S = '9 read-along';
  const books = o.quick ? BOOKS.slice(0, 1) : BOOKS;
  process.stdout.write(`\n[9] read-along: the spoken sentences of ${books.length} corpus EPUBs found in their own XHTML\n`);
  let found = 0;
  let total = 0;
  let ms = 0;
  for (const name of books) {
    const buf = await readFile(join(CORPUS, `${name}.epub`));
    const text = await readEpub(buf, `${name}.epub`);
    const sentences = text.chapters.flatMap((c) => c.paragraphs.flatMap((p) => splitSentences(p)));
    const pkg = await openPackage(buf, name);
    const documents: SourceDocument[] = [];
    for (const { path } of pkg.spine) {
      const source = path === pkg.navPath ? undefined : await pkg.zip.file(path)?.async('string');
      if (source !== undefined) documents.push({ path, source });
    }
    const started = performance.now();
    const wrapped = wrapSentences(documents, sentences);
    const took = performance.now() - started;
    const placed = wrapped.pieces.filter((p) => p.length > 0).length;
    found += placed;
    total += sentences.length;
    ms += took;
    report.add({
      section: S,
      metric: `${name}.epub: sentences synchronized`,
      value: `${pct(placed / sentences.length)} (${placed} of ${sentences.length}; ${wrapped.pieces.filter((p) => p.length > 1).length} across markup) in ${fixed(took, 0)} ms`,
    });
  }
  report.add({ section: S, metric: 'all: sentences synchronized', value: `${pct(found / total)} (${found} of ${total})`, target: '≥ 99%', ok: found / total >= 0.99 });
  report.add({ section: S, metric: 'finding them: time per 1000 sentences', value: `${fixed((ms / total) * 1000, 0)} ms` });
  report.summary.push(`read-along ${pct(found / total)} synced`);
}
