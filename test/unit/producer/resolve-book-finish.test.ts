import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSubmitFlags } from '../../../src/cli/submit-flags.js';
import { UsageError, InputError } from '../../../src/errors.js';
import { bookPaths } from '../../../src/finalizer/book-paths.js';
import { chapterFileTitle, chapterPlaylist } from '../../../src/finalizer/chapter-playlist.js';
import { checkCover, coverTypeOf } from '../../../src/finalizer/cover-image.js';
import { loadBook } from '../../../src/producer/load-book.js';
import { planBook } from '../../../src/producer/plan-book.js';
import { prepareBooks } from '../../../src/producer/prepare-books.js';
import { loadConfig } from '../../../src/config.js';
import { dirOutputs } from '../../../src/store/open-book-output.js';
import { resolveCover } from '../../../src/producer/resolve-cover.js';
import { CORPUS } from '../../helpers/corpus.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64)]);
const PLAN = { outDir: '/tmp/out', slug: 'b', defaultVoice: 'alloy', defaultMaxChars: 1200, defaultStyle: '' };

describe('finishing flags', () => {
  const flags = { out: 'out' };
  it('takes the four presets, --split chapters, a narrator and credits either way', () => {
    expect(parseSubmitFlags({ ...flags, loudness: 'PODCAST' }).loudness).toBe('podcast');
    expect(parseSubmitFlags({ ...flags, split: 'chapters', narrator: ' Ann Reed ', credits: false })).toMatchObject({ split: true, narrator: 'Ann Reed', credits: false });
  });
  it('refuses an unknown preset, an unknown split and ACX with a format it does not take, saying why', () => {
    expect(() => parseSubmitFlags({ ...flags, loudness: 'loud' })).toThrow(new UsageError('--loudness: expected one of audiobook, podcast, acx, off, got "loud"'));
    expect(() => parseSubmitFlags({ ...flags, split: 'pages' })).toThrow(/--split: expected chapters, got "pages"/);
    expect(parseSubmitFlags({ ...flags, split: 'chapters', format: 'wav' }).split).toBe(true);
    expect(() => parseSubmitFlags({ ...flags, cover: 'c.jpg', format: 'wav' })).toThrow(new UsageError('--cover: a WAV file cannot hold a cover image (m4b, m4a, mp3, opus and flac can)'));
    for (const format of ['wav', 'm4b']) {
      expect(() => parseSubmitFlags({ ...flags, loudness: 'acx', format })).toThrow(UsageError);
      expect(() => parseSubmitFlags({ ...flags, loudness: 'acx', format })).toThrow(new RegExp(`--format ${format} cannot go with it`));
    }
    expect(parseSubmitFlags({ ...flags, loudness: 'acx', format: 'mp3' }).loudness).toBe('acx');
  });
});

describe('covers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-cover-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('tells JPEG and PNG by their first bytes, not by their names', async () => {
    expect(coverTypeOf(PNG)).toBe('png');
    expect(coverTypeOf(JPEG)).toBe('jpeg');
    await writeFile(join(dir, 'really-a-png.jpg'), PNG);
    expect(await checkCover(join(dir, 'really-a-png.jpg'))).toBe('png');
  });

  it('refuses a missing file, a non-image and one over 10 MB, naming the file', async () => {
    const missing = join(dir, 'nope.jpg');
    await expect(checkCover(missing)).rejects.toThrow(new InputError(`--cover ${missing}: no such file`));
    const text = join(dir, 'notes.png');
    await writeFile(text, 'just some text, not an image');
    await expect(checkCover(text)).rejects.toThrow(`--cover ${text}: not a JPEG or PNG image`);
    const big = join(dir, 'big.jpg');
    await writeFile(big, Buffer.concat([JPEG, Buffer.alloc(10 * 1024 * 1024)]));
    await expect(checkCover(big)).rejects.toThrow(`--cover ${big}: 10.0 MB, a cover must be at most 10 MB`);
  });

  it("uses an EPUB's own JPEG cover by default, and a manifest's cover over it", async () => {
    const alice = await loadBook(join(CORPUS, 'alice.epub'));
    const cover = await resolveCover(alice, undefined, join(dir, 'out'), 'alice', dirOutputs);
    expect(cover?.type).toBe('jpeg');
    // Published into the book's output, where every worker reads it.
    expect(cover).toEqual({ path: join(dir, 'out', '.alice.cover.jpg'), name: '.alice.cover.jpg', type: 'jpeg' });
    expect(coverTypeOf(await readFile(cover!.path))).toBe('jpeg');
    // `narrate plan` (no output) writes nothing.
    expect(await resolveCover(alice, undefined, join(dir, 'plan-out'), 'alice')).toBeUndefined();
    await expect(readFile(join(dir, 'plan-out', '.alice.cover.jpg'))).rejects.toThrow(/ENOENT/);
    // An SVG cover is no JPEG or PNG: the book simply has none.
    expect(await resolveCover(await loadBook(join(CORPUS, 'leaves-of-grass.epub')), undefined, join(dir, 'out'), 'leaves', dirOutputs)).toBeUndefined();

    await writeFile(join(dir, 'ch1.txt'), 'Once upon a time.');
    await writeFile(join(dir, 'front.png'), PNG);
    await writeFile(join(dir, 'book.yaml'), 'title: T\ncover: front.png\nnarrator: Ann Reed\nyear: 1999\npublisher: P\ndescription: D\nloudness: podcast\nchapters: [ch1.txt]\n');
    const book = await loadBook(join(dir, 'book.yaml'));
    expect(await resolveCover(book, undefined, join(dir, 'out'), 't')).toEqual({ path: join(dir, 'front.png'), type: 'png' });
    // Submitted, the manifest's cover is copied beside the book: its path need not exist on a worker's host.
    const copied = await resolveCover(book, undefined, join(dir, 'out'), 't', dirOutputs);
    expect(copied).toEqual({ path: join(dir, 'out', '.t.cover.png'), name: '.t.cover.png', type: 'png' });
    expect((await readFile(copied!.path)).equals(PNG)).toBe(true);
    await writeFile(join(dir, 'bad.yaml'), 'title: T\ncover: ch1.txt\nchapters: [ch1.txt]\n');
    await expect(resolveCover(await loadBook(join(dir, 'bad.yaml')), undefined, dir, 't')).rejects.toThrow(`cover: in ${join(dir, 'bad.yaml')}: ${join(dir, 'ch1.txt')}: not a JPEG or PNG image`);
  });
  it("refuses a manifest's cover: on a WAV book, naming the manifest and publishing nothing; an EPUB's own cover is just not used", async () => {
    const config = loadConfig({});
    const out = join(dir, 'wav-out');
    await writeFile(join(dir, 'ch1.txt'), 'Once upon a time.');
    await writeFile(join(dir, 'front.png'), PNG);
    await writeFile(join(dir, 'wav-cover.yaml'), 'title: W\ncover: front.png\nformat: wav\nchapters: [ch1.txt]\n');
    await writeFile(join(dir, 'cover.yaml'), 'title: C\ncover: front.png\nchapters: [ch1.txt]\n');
    const wav = 'cover: a WAV file cannot hold a cover image; drop cover: or choose a format that holds one (m4b, m4a, mp3, opus, flac)';
    // The manifest's own format, and --format wav over a manifest that names a cover.
    const own = await prepareBooks([join(dir, 'wav-cover.yaml')], { outDir: out }, config);
    expect(own.books).toEqual([]);
    expect(own.failures).toEqual([{ source: join(dir, 'wav-cover.yaml'), reason: `${join(dir, 'wav-cover.yaml')}: ${wav}` }]);
    const flagged = await prepareBooks([join(dir, 'cover.yaml'), join(CORPUS, 'alice.epub')], { outDir: out, format: 'wav' }, config);
    expect(flagged.failures.map((f) => f.reason)).toEqual([`${join(dir, 'cover.yaml')}: ${wav}`]);
    // The EPUB still goes, without its cover, and nothing was written beside the books.
    expect(flagged.books.map((b) => [b.plan.finalize.format, b.plan.finalize.finish?.cover])).toEqual([['wav', undefined]]);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
    // In a format that takes a picture, the same manifest keeps its cover.
    const m4b = await prepareBooks([join(dir, 'cover.yaml')], { outDir: out }, config);
    expect(m4b.failures).toEqual([]);
    expect(m4b.books[0]!.plan.finalize.finish?.cover).toMatchObject({ name: '.c.cover.png', type: 'png' });
  });
});

describe('planning a finished book', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-finish-plan-'));
    await writeFile(join(dir, 'ch1.txt'), 'Once upon a time.');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('defaults to audiobook loudness, the voice as narrator, no credits, one file', async () => {
    await writeFile(join(dir, 'plain.yaml'), 'title: Plain\nchapters: [ch1.txt]\n');
    const plan = planBook(await loadBook(join(dir, 'plain.yaml')), { ...PLAN, voice: 'nova' });
    expect(plan.finalize.finish).toEqual({ loudness: 'audiobook', narrator: 'nova', credits: false, split: false });
    expect(plan.finalize.format).toBe('m4b');
  });

  it('takes the manifest fields, and flags over them', async () => {
    await writeFile(join(dir, 'full.yaml'), 'title: Full\nauthor: A. Writer\nnarrator: Ann Reed\nyear: 1999\npublisher: P\ndescription: D\nlanguage: en-GB\nloudness: podcast\nchapters: [ch1.txt]\n');
    const book = await loadBook(join(dir, 'full.yaml'));
    expect(planBook(book, PLAN).finalize.finish).toEqual({ loudness: 'podcast', narrator: 'Ann Reed', credits: false, split: false, year: '1999', publisher: 'P', description: 'D', language: 'en-GB' });
    expect(planBook(book, { ...PLAN, loudness: 'off', narrator: 'Bo' }).finalize.finish).toMatchObject({ loudness: 'off', narrator: 'Bo' });
  });

  it('asks for a read-along EPUB from a manifest (readalong: true) or --readalong, and refuses it without alignment', async () => {
    await writeFile(join(dir, 'readalong.yaml'), 'title: R\nreadalong: true\nchapters: [ch1.txt]\n');
    expect(planBook(await loadBook(join(dir, 'readalong.yaml')), PLAN).finalize.finish?.readalong).toBe(true);
    await writeFile(join(dir, 'plain-r.yaml'), 'title: P\nchapters: [ch1.txt]\n');
    expect(planBook(await loadBook(join(dir, 'plain-r.yaml')), PLAN).finalize.finish?.readalong).toBeUndefined();
    expect(planBook(await loadBook(join(dir, 'plain-r.yaml')), { ...PLAN, readalong: parseSubmitFlags({ out: 'out', readalong: true }, { align: true }).readalong === true }).finalize.finish?.readalong).toBe(true);
    expect(() => parseSubmitFlags({ out: 'out', readalong: true }, { align: false })).toThrow(new UsageError('--readalong: needs the sentence timings that NARRATE_ALIGN=off turns off; unset NARRATE_ALIGN (or set it to on)'));
    await writeFile(join(dir, 'readalong-bad.yaml'), 'title: B\nreadalong: yes please\nchapters: [ch1.txt]\n');
    await expect(loadBook(join(dir, 'readalong-bad.yaml'))).rejects.toThrow(/readalong/);
  });

  it('with acx: MP3, one file per chapter, and credits read as chapters of their own', async () => {
    await writeFile(join(dir, 'acx.yaml'), 'title: The Book\nauthor: A. Writer\nloudness: acx\nnarrator: Ann Reed\nchapters: [ch1.txt]\n');
    const plan = planBook(await loadBook(join(dir, 'acx.yaml')), PLAN);
    expect(plan.finalize.format).toBe('mp3');
    expect(plan.finalize.finish).toMatchObject({ loudness: 'acx', credits: true, split: true });
    expect(plan.finalize.chapters.map((c) => c.title)).toEqual(['Opening Credits', 'ch1', 'Closing Credits']);
    expect(plan.synthesize[0]!.text).toBe('The Book, by A. Writer. Narrated by Ann Reed.');
    expect(plan.synthesize.at(-1)!.text).toBe('The End. This has been The Book, by A. Writer, narrated by Ann Reed.');
    expect(planBook(await loadBook(join(dir, 'acx.yaml')), { ...PLAN, credits: false }).finalize.chapters).toHaveLength(1);
  });

  it('refuses a manifest that asks for ACX in a format ACX does not take, naming it', async () => {
    await writeFile(join(dir, 'acx-wav.yaml'), 'title: T\nloudness: acx\nformat: wav\nchapters: [ch1.txt]\n');
    const book = await loadBook(join(dir, 'acx-wav.yaml'));
    expect(() => planBook(book, PLAN)).toThrow(`${join(dir, 'acx-wav.yaml')}: loudness acx makes MP3 files, as ACX requires: format wav cannot go with it`);
  });
});

describe('--split chapters file names and playlist', () => {
  const book = { outDir: '/tmp/out', slug: 'doors', format: 'mp3' as const, bookId: 'b1' };
  it('names each chapter "NN - Title.ext" in <out>/<slug>/ with <slug>.m3u8 beside them; unsplit books keep <slug>.chapters/', () => {
    const split = bookPaths({ ...book, finish: { loudness: 'audiobook', narrator: 'n', credits: false, split: true } }, 'mp3');
    expect(split.chapterFile(0, 'The First Door', 2)).toBe('/tmp/out/doors/01 - The First Door.mp3');
    expect(split.chapterFile(1, 'a/b: "c"?', 2)).toBe('/tmp/out/doors/02 - a b c.mp3');
    expect(split.chapterFile(2, '..', 3)).toBe('/tmp/out/doors/03 - Chapter 3.mp3');
    expect(split.playlist).toBe('/tmp/out/doors/doors.m3u8');
    expect(bookPaths(book, 'mp3').chapterFile(0, 'The First Door', 2)).toBe('/tmp/out/doors.chapters/01-the-first-door.mp3');
    expect(chapterFileTitle('  \u0007Tab\there  ', 0)).toBe('Tab here');
  });
  it('writes an extended M3U of the files in order, relative to the playlist', () => {
    expect(chapterPlaylist([{ file: '/o/d/01 - One.mp3', title: 'One', durationMs: 61_400 }, { file: '/o/d/02 - Two.mp3', title: 'Two\nlines', durationMs: 500 }])).toBe(
      '#EXTM3U\n#EXTINF:61,One\n01 - One.mp3\n#EXTINF:1,Two lines\n02 - Two.mp3\n',
    );
  });
});
