import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVE_CLASS, readAlongEpub } from '../../src/finalizer/containers/read-along-epub.js';
import { textBookEpub } from '../../src/finalizer/containers/text-book-epub.js';
import { publishReadAlong } from '../../src/finalizer/publish-read-along.js';
import { dirOutputs } from '../../src/store/open-book-output.js';
import { runOk } from '../helpers/run-tool.js';
import { readEpub } from '../../src/producer/read-epub.js';
import { splitSentences } from '../../src/producer/split-sentences.js';
import { CORPUS, corpusParagraph } from '../helpers/corpus.js';
import { clockMs, epubcheck, letters, overlayClips, spanTexts, visibleText } from '../helpers/inspect-read-along.js';
import { narrateForReadAlong, probeDurationMs, type NarratedBook } from '../helpers/read-along-book.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'narrate-readalong-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Everything a read-along EPUB must hold for the sentences it was made from. */
async function expectReadAlong(epub: Buffer, book: NarratedBook, name: string): Promise<JSZip> {
  const check = await epubcheck(epub, join(dir, `${name}.epub`));
  expect(check.errors, check.output).toEqual([]);
  expect(check.code, check.output).toBe(0);

  const zip = await JSZip.loadAsync(epub);
  const names = Object.keys(zip.files);
  expect(names[0]).toBe('mimetype');
  const clips = await overlayClips(zip);
  expect(clips.length).toBeGreaterThan(0);

  // Each clip points at a span that exists exactly once, and at audio inside the EPUB, within its duration.
  const durations = new Map<string, number>();
  const documents = new Map<string, string>();
  for (const clip of clips) {
    if (!documents.has(clip.document)) documents.set(clip.document, (await zip.file(clip.document)?.async('string')) ?? '');
    const xhtml = documents.get(clip.document) as string;
    expect(xhtml.split(`id="${clip.id}"`).length - 1, `${clip.document}#${clip.id}`).toBe(1);
    if (!durations.has(clip.audio)) {
      const data = await zip.file(clip.audio)?.async('nodebuffer');
      expect(data, clip.audio).toBeDefined();
      const copy = join(dir, `probe-${durations.size}${clip.audio.slice(clip.audio.lastIndexOf('.'))}`);
      await import('node:fs/promises').then((fs) => fs.writeFile(copy, data as Buffer));
      durations.set(clip.audio, await probeDurationMs(copy));
    }
    expect(clip.beginMs).toBeGreaterThanOrEqual(0);
    expect(clip.endMs).toBeGreaterThan(clip.beginMs);
    expect(clip.endMs).toBeLessThanOrEqual((durations.get(clip.audio) as number) + 1);
  }

  // Every spoken sentence is covered once: its spans, joined, are its words, and it has one clip per span.
  const spans = new Map<string, string>();
  for (const xhtml of documents.values()) for (const [id, text] of spanTexts(xhtml)) {
    expect(spans.has(id), `span ${id} twice`).toBe(false);
    spans.set(id, text);
  }
  book.sentences.forEach((sentence, i) => {
    const mine = clips.filter((clip) => clip.id === `narrate-s${i}` || clip.id.startsWith(`narrate-s${i}-`));
    expect(mine.length, sentence.text).toBeGreaterThan(0);
    expect(letters(mine.map((clip) => spans.get(clip.id) ?? '').join('')), sentence.text).toBe(letters(sentence.text));
    // Clips play at the sentence's own time in its chapter's audio.
    const audio = book.audio.find((a) => a.chapter === sentence.chapter);
    expect(Math.abs((mine[0]?.beginMs ?? -1) - (sentence.startMs - (audio?.startMs ?? 0)))).toBeLessThanOrEqual(1);
  });
  expect(clips.length).toBe(new Set(clips.map((c) => c.id)).size);

  // Durations: each overlay's and the book's, as the clips add up; the active class is declared and styled.
  const opfName = names.find((n) => n.endsWith('.opf')) as string;
  const opf = (await zip.file(opfName)?.async('string')) ?? '';
  const overlayDurations = [...opf.matchAll(/<meta property="media:duration" refines="#[^"]+">([^<]+)<\/meta>/g)].map((m) => clockMs(m[1] as string));
  const total = /<meta property="media:duration">([^<]+)<\/meta>/.exec(opf)?.[1];
  const clipSum = clips.reduce((sum, c) => sum + c.endMs - c.beginMs, 0);
  expect(overlayDurations.reduce((a, b) => a + b, 0)).toBe(clipSum);
  expect(clockMs(total ?? '')).toBe(clipSum);
  expect(opf).toContain(`<meta property="media:active-class">${ACTIVE_CLASS}</meta>`);
  const css = (await zip.file(names.find((n) => n.endsWith('readalong.css')) as string)?.async('string')) ?? '';
  expect(css).toContain(`.${ACTIVE_CLASS}`);
  return zip;
}

describe('read-along EPUB', () => {
  it('makes a text book into an EPUB 3 whose overlays play each sentence and pass epubcheck', async () => {
    const chapters = [
      { title: 'Chapter I: Down the Rabbit-Hole', paragraphs: ['Chapter I: Down the Rabbit-Hole', await corpusParagraph('alice.txt', 'Alice was beginning')] },
      { title: 'Chapter II: The Pool of Tears', paragraphs: ['Chapter II: The Pool of Tears', await corpusParagraph('alice.txt', 'Curiouser and curiouser')] },
    ];
    const book = await narrateForReadAlong(
      chapters.map((c) => c.paragraphs.flatMap((p) => splitSentences(p))),
      dir,
    );
    const source = await textBookEpub({ identifier: 'urn:narrate:test-text', title: 'Alice', author: 'Lewis Carroll', language: 'en', modified: new Date(), chapters });
    const made = await readAlongEpub({ epub: source, name: 'alice.txt', sentences: book.sentences, audio: book.audio });
    expect(made.unsynchronized).toBe(0);
    const zip = await expectReadAlong(made.epub, book, 'text');
    // A title page, the navigation, a document per chapter.
    expect(Object.keys(zip.files).filter((n) => n.endsWith('.xhtml')).sort()).toEqual([
      'OEBPS/chapter-001.xhtml',
      'OEBPS/chapter-002.xhtml',
      'OEBPS/nav.xhtml',
      'OEBPS/title.xhtml',
    ]);
  }, 120_000);

  it('keeps an EPUB whole and synchronizes the sentences it read, leaving the rest as it was', async () => {
    const sourcePath = join(CORPUS, 'alice.epub');
    const original = await readFile(sourcePath);
    const text = await readEpub(original, 'alice.epub');
    // Two short chapters: the heading and the first two paragraphs of each.
    const chapters = text.chapters.slice(0, 2).map((c) => c.paragraphs.slice(0, 3).flatMap((p) => splitSentences(p)));
    const book = await narrateForReadAlong(chapters, dir);
    const made = await readAlongEpub({ epub: original, name: 'alice.epub', sentences: book.sentences, audio: book.audio });
    expect(made.unsynchronized).toBe(0);
    const zip = await expectReadAlong(made.epub, book, 'epub');

    // Every file of the original is still there; untouched ones byte for byte, content documents with the same visible text.
    const before = await JSZip.loadAsync(original);
    for (const entry of Object.values(before.files)) {
      if (entry.dir) continue;
      const after = zip.file(entry.name);
      expect(after, entry.name).not.toBeNull();
      const was = await entry.async('string');
      const now = (await after?.async('string')) ?? '';
      if (entry.name.endsWith('.opf')) expect(now.length).toBeGreaterThan(was.length);
      else if (entry.name.endsWith('.xhtml')) expect(visibleText(now)).toBe(visibleText(was));
      else expect(now).toBe(was);
    }
  }, 120_000);

  it('publishes <slug>.epub beside a finished book, its chapters cut from the book audio', async () => {
    const chapters = [
      ['Chapter One', 'The keeper climbed the stair of the tower by the sea.', 'He counted every step aloud.'],
      ['Chapter Two', 'The lamp was lit at dusk.', 'It burned until the dawn came over the grey water.'],
    ];
    const narrated = await narrateForReadAlong(chapters, dir);
    // One book file, as the finalizer leaves it: the chapters' audio joined.
    const list = join(dir, 'parts.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(list, narrated.audio.map((a) => `file '${a.path}'`).join('\n')));
    const bookPath = join(dir, 'book.m4a');
    await runOk('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c:a', 'aac', '-b:a', '64k', bookPath]);
    const out = await dirOutputs(join(dir, 'out'));
    const published = await publishReadAlong({
      out,
      book: { bookId: 'b1', title: 'The Lighthouse', author: 'A. Keeper', language: 'en', slug: 'the-lighthouse', sources: [join(dir, 'lighthouse.md')], submittedAt: new Date().toISOString() },
      sentences: narrated.sentences,
      audioPath: bookPath,
      chapters: narrated.audio.map((a, i) => ({ title: chapters[i]![0]!, startMs: a.startMs, endMs: a.startMs + a.durationMs })),
    });
    expect(published.location).toBe(join(dir, 'out', 'the-lighthouse.epub'));
    expect(published.unsynchronized).toBe(0);
    const zip = await expectReadAlong(await readFile(published.location), narrated, 'published');
    // Each chapter's audio is that chapter, cut from the book: as long as the chapter was.
    for (const a of narrated.audio) {
      const inside = await zip.file(`OEBPS/audio/chapter-00${a.chapter}.mp3`)?.async('nodebuffer');
      const copy = join(dir, `cut-${a.chapter}.mp3`);
      await import('node:fs/promises').then((fs) => fs.writeFile(copy, inside as Buffer));
      expect(Math.abs((await probeDurationMs(copy)) - a.durationMs), `chapter ${a.chapter}`).toBeLessThan(150);
    }
    const first = (await zip.file('OEBPS/chapter-001.xhtml')?.async('string')) ?? '';
    // The heard heading is the chapter's heading, shown once.
    expect(first.match(/Chapter One/g)?.length).toBe(2); // <title> and <h1>
    await out.close();
  }, 120_000);
});
