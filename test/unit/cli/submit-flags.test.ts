import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSubmitFlags } from '../../../src/cli/submit-flags.js';
import { UsageError } from '../../../src/errors.js';
import { loadBook } from '../../../src/producer/load-book.js';
import { buildEpub, fixture } from '../../helpers/build-epub.js';
import { runCli } from '../../helpers/run-cli.js';
import { testPrefix } from '../../helpers/test-prefix.js';

describe('--notes and --keep-front-matter', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-reading-flags-'));
    const epub = await buildEpub({
      docs: [
        { path: 'publisher.xhtml', xhtml: fixture('publisher.xhtml') },
        { path: 'notes.xhtml', xhtml: fixture('notes.xhtml') },
        { path: 'endnotes.xhtml', xhtml: fixture('endnotes.xhtml') },
      ],
      toc: [
        { label: 'Imprint', href: 'publisher.xhtml' },
        { label: 'The Notes Chapter', href: 'notes.xhtml' },
      ],
    });
    await writeFile(join(dir, 'book.epub'), epub);
    await writeFile(join(dir, 'book.yaml'), 'title: Noted\nnotes: end\nkeepFrontMatter: true\nchapters:\n  - book.epub\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('are parsed from the command line, and a bad --notes is a usage error naming the flag', () => {
    expect(parseSubmitFlags({ out: 'o', notes: 'END', keepFrontMatter: true })).toEqual({ outDir: 'o', notes: 'end', keepFrontMatter: true });
    expect(() => parseSubmitFlags({ out: 'o', notes: 'footer' })).toThrow(new UsageError('--notes: expected one of skip, end, got "footer"'));
  });

  it('exit 2 from the real CLI on a bad --notes', async () => {
    const result = await runCli(['run', join(dir, 'book.epub'), '--notes', 'footer'], { NARRATE_PREFIX: testPrefix('reading-flags') });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--notes: expected one of skip, end, got "footer"');
  });

  it('change what loadBook reads from an EPUB', async () => {
    const plain = await loadBook(join(dir, 'book.epub'));
    expect(plain.chapters.map((c) => c.title)).toEqual(['The Notes Chapter']);
    const full = await loadBook(join(dir, 'book.epub'), { notes: 'end', keepFrontMatter: true });
    expect(full.chapters.map((c) => c.title)).toEqual(['Imprint', 'The Notes Chapter']);
    expect(full.chapters[1]?.paragraphs.at(-1)).toBe('3. Endnote text about claims.');
  });

  it('have manifest equivalents (notes, keepFrontMatter), and a flag wins over them', async () => {
    const manifest = await loadBook(join(dir, 'book.yaml'));
    const paragraphs = manifest.chapters[0]?.paragraphs ?? [];
    expect(paragraphs).toContain('This ebook was produced by Example Press volunteers.');
    expect(paragraphs.at(-1)).toBe('3. Endnote text about claims.');
    const flagged = await loadBook(join(dir, 'book.yaml'), { notes: 'skip' });
    expect(flagged.chapters[0]?.paragraphs.join(' ')).not.toContain('Endnote text');
  });
});
