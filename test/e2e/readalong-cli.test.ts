import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { createS3Client } from '../../src/store/s3-client.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { epubcheck, letters, overlayClips, spanTexts } from '../helpers/inspect-read-along.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { probeDurationMs } from '../helpers/read-along-book.js';
import { runCli } from '../helpers/run-cli.js';
import { startS3Server } from '../helpers/s3-server.js';
import { testPrefix } from '../helpers/test-prefix.js';

const BOOK = `# The Harbour

The fishing boats came back before the storm. The harbour master counted every one of them.

# The Lamp

That night the keeper climbed the tower. The beam swept across the black water until dawn.
`;

/** A small EPUB 3 as a publisher would make it: a nav, two chapters with their own markup and a style. */
async function smallEpub(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  zip.file('META-INF/container.xml', '<?xml version="1.0" encoding="UTF-8"?>\n<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/></rootfiles></container>\n');
  zip.file(
    'EPUB/package.opf',
    `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="en">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:5b0c2a5e-6a57-4a8e-9a43-1f7f2f1d1c01</dc:identifier>
    <dc:title>The Lighthouse</dc:title>
    <dc:creator>A. Keeper</dc:creator>
    <dc:language>en</dc:language>
    <meta property="dcterms:modified">2026-01-01T00:00:00Z</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="style" href="style.css" media-type="text/css"/>
    <item id="c1" href="one.xhtml" media-type="application/xhtml+xml"/>
    <item id="c2" href="two.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine><itemref idref="c1"/><itemref idref="c2"/></spine>
</package>
`,
  );
  zip.file('EPUB/style.css', 'p { text-indent: 1em; }\n');
  const page = (title: string, body: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="en" lang="en"><head><title>${title}</title><link rel="stylesheet" type="text/css" href="style.css"/></head><body>${body}</body></html>\n`;
  zip.file('EPUB/nav.xhtml', page('Contents', '<nav epub:type="toc"><h1>Contents</h1><ol><li><a href="one.xhtml">The Stair</a></li><li><a href="two.xhtml">The Light</a></li></ol></nav>'));
  zip.file('EPUB/one.xhtml', page('The Stair', '<section epub:type="chapter"><h1>The Stair</h1><p>The keeper climbed the stair of the tower by the sea. He counted <em>every</em> step aloud.</p></section>'));
  zip.file('EPUB/two.xhtml', page('The Light', '<section epub:type="chapter"><h1>The Light</h1><p>The lamp was lit at dusk. It burned until the dawn came over the grey water.</p></section>'));
  return zip.generateAsync({ type: 'nodebuffer', mimeType: 'application/epub+zip' });
}

/** What a reader of the read-along EPUB meets: it passes epubcheck, and every clip plays a span that exists, inside its audio, with the sentence's words. */
async function expectReadAlong(path: string, report: BookReport, dir: string, name: string): Promise<void> {
  const epub = await readFile(path);
  const check = await epubcheck(epub, join(dir, `${name}-check.epub`));
  expect(check.errors, check.output).toEqual([]);
  expect(check.code, check.output).toBe(0);
  const zip = await JSZip.loadAsync(epub);
  const clips = await overlayClips(zip);
  const sentences = report.sentences!;
  expect(sentences.length).toBeGreaterThan(0);
  const spans = new Map<string, string>();
  const durations = new Map<string, number>();
  for (const clip of clips) {
    const xhtml = (await zip.file(clip.document)?.async('string')) ?? '';
    expect(xhtml.split(`id="${clip.id}"`).length - 1, `${clip.document}#${clip.id}`).toBe(1);
    for (const [id, text] of spanTexts(xhtml)) spans.set(id, text);
    if (!durations.has(clip.audio)) {
      const data = await zip.file(clip.audio)?.async('nodebuffer');
      expect(data, clip.audio).toBeDefined();
      const copy = join(dir, `${name}-${durations.size}.mp3`);
      await writeFile(copy, data as Buffer);
      durations.set(clip.audio, await probeDurationMs(copy));
    }
    expect(clip.beginMs).toBeGreaterThanOrEqual(0);
    expect(clip.endMs).toBeGreaterThan(clip.beginMs);
    expect(clip.endMs).toBeLessThanOrEqual(durations.get(clip.audio)! + 1);
  }
  // Every sentence of the manifest is highlighted, with its own words.
  sentences.forEach((sentence, i) => {
    const mine = clips.filter((clip) => clip.id === `narrate-s${i}` || clip.id.startsWith(`narrate-s${i}-`));
    expect(mine.length, sentence.text).toBeGreaterThan(0);
    expect(letters(mine.map((clip) => spans.get(clip.id) ?? '').join('')), sentence.text).toBe(letters(sentence.text));
  });
}

describe('narrate run --readalong', () => {
  let dir: string;
  const prefix = testPrefix('e2e-readalong');
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-readalong-cli-'));
    await writeFile(join(dir, 'harbour.md'), BOOK);
    await writeFile(join(dir, 'lighthouse.epub'), await smallEpub());
    // No API key: the offline voice narrates.
    env = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'warn', NARRATE_ALIGN: 'on' };
  });
  afterAll(async () => {
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    await obliterateQueues(connection, bullPrefix(prefix));
    await connection.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it('a text book: the m4b, its captions and a read-along EPUB made from its text that passes epubcheck', async () => {
    const out = join(dir, 'out-text');
    // Bounds for a shared 2-core machine: the offline voice, the alignment, ffmpeg and epubcheck all take CPU.
    const result = await runCli(['run', join(dir, 'harbour.md'), '--out', out, '--readalong', '--captions', 'vtt'], env, { timeoutMs: 280_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'harbour.json'), 'utf8')) as BookReport;
    expect(report.provider).toBe('offline');
    expect(report.output).toBe(join(out, 'harbour.m4b'));
    expect(report.captions).toBe(join(out, 'harbour.vtt'));
    expect(report.readalong).toBe(join(out, 'harbour.epub'));
    expect((await readFile(join(out, 'harbour.vtt'), 'utf8')).startsWith('WEBVTT')).toBe(true);
    await expectReadAlong(join(out, 'harbour.epub'), report, dir, 'text');
    const zip = await JSZip.loadAsync(await readFile(join(out, 'harbour.epub')));
    expect(Object.keys(zip.files).filter((n) => n.endsWith('.xhtml')).sort()).toEqual(['OEBPS/chapter-001.xhtml', 'OEBPS/chapter-002.xhtml', 'OEBPS/nav.xhtml', 'OEBPS/title.xhtml']);
  }, 300_000);

  it('an EPUB: the read-along EPUB is the book itself, its style kept, every sentence it read highlighted', async () => {
    const out = join(dir, 'out-epub');
    const result = await runCli(['run', join(dir, 'lighthouse.epub'), '--out', out, '--readalong', '--captions', 'vtt'], env, { timeoutMs: 280_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'the-lighthouse.json'), 'utf8')) as BookReport;
    expect(report.readalong).toBe(join(out, 'the-lighthouse.epub'));
    await readFile(join(out, 'the-lighthouse.m4b'));
    await readFile(join(out, 'the-lighthouse.vtt'));
    await expectReadAlong(join(out, 'the-lighthouse.epub'), report, dir, 'epub');
    const zip = await JSZip.loadAsync(await readFile(join(out, 'the-lighthouse.epub')));
    expect(await zip.file('EPUB/style.css')?.async('string')).toBe('p { text-indent: 1em; }\n');
    expect(zip.file('EPUB/one.xhtml')).not.toBeNull();
    expect(report.sentences!.map((s) => s.text)).toContain('He counted every step aloud.');
  }, 300_000);

  it('to an s3:// --out: the read-along EPUB goes into the bucket beside the book, and the manifest names it there', async () => {
    const s3 = await startS3Server(['books']);
    try {
      const result = await runCli(['run', join(dir, 'harbour.md'), '--out', 's3://books/ra/', '--readalong'], { ...env, ...s3.env }, { cwd: dir, timeoutMs: 280_000 });
      expect(result.code, result.stderr).toBe(0);
      const client = createS3Client(loadConfig({ ...env, ...s3.env }).s3);
      const get = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: 'books', Key: key }))).Body!.transformToByteArray());
      try {
        const report = JSON.parse((await get('ra/harbour.json')).toString('utf8')) as BookReport;
        expect(report.readalong).toBe('s3://books/ra/harbour.epub');
        await writeFile(join(dir, 's3-harbour.epub'), await get('ra/harbour.epub'));
        await expectReadAlong(join(dir, 's3-harbour.epub'), report, dir, 's3');
      } finally {
        client.destroy();
      }
    } finally {
      await s3.close();
    }
  }, 300_000);

  it('refuses --readalong with NARRATE_ALIGN=off, saying what to set', async () => {
    const off = await runCli(['run', join(dir, 'harbour.md'), '--out', join(dir, 'x'), '--readalong'], { ...env, NARRATE_ALIGN: 'off' });
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('--readalong');
    expect(off.stderr).toContain('NARRATE_ALIGN=off');
    const submit = await runCli(['submit', join(dir, 'harbour.md'), '--out', join(dir, 'x'), '--readalong'], { ...env, NARRATE_ALIGN: 'off' });
    expect(submit.code).toBe(2);
    expect(submit.stderr).toContain('NARRATE_ALIGN=off');
  });
});
