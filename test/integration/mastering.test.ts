import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { measureFileLoudness } from '../../src/finalizer/measure-loudness.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { PROSE } from '../helpers/speech.js';

const run = promisify(execFile);

/** Real speech, two chapters of a few paragraphs, as Markdown. */
const BOOK = `# The First Door\n\n${PROSE.slice(0, 3).join('\n\n')}\n\n# The Second Door\n\n${PROSE.slice(2, 5).join('\n\n')}\n`;

async function probe(path: string): Promise<any> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-show_chapters', '-of', 'json', path]);
  return JSON.parse(stdout);
}

/** RMS (dBFS) of the decoded file between two times. */
async function windowRms(path: string, startMs: number, endMs: number): Promise<number> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', String(startMs / 1000), '-to', String(endMs / 1000), '-i', path, '-map', '0:a', '-f', 's16le', '-ac', '1', '-ar', '24000', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  let sum = 0;
  for (let i = 0; i + 1 < stdout.length; i += 2) sum += (stdout.readInt16LE(i) / 32768) ** 2;
  return 10 * Math.log10(sum / (stdout.length / 2));
}

describe('mastering, tags and cover on real speech (offline voice)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('mastering');
    await writeFile(join(h.dir, 'doors.md'), BOOK);
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=navy:s=300x300', '-frames:v', '1', join(h.dir, 'cover.jpg')]);
  });
  afterAll(async () => h?.close());

  for (const [preset, target, ceiling] of [['audiobook', -18, -2], ['podcast', -16, -1]] as const) {
    it(`${preset}: integrated loudness within 1 LU of ${target} LUFS, true peak at or under ${ceiling} dBTP, as ebur128 measures the finished m4b`, async () => {
      const { statuses } = await h.narrate([join(h.dir, 'doors.md')], { outDir: join(h.dir, preset), loudness: preset, title: `Doors ${preset}` });
      expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
      const output = join(h.dir, preset, `doors-${preset}.m4b`);
      const measured = await measureFileLoudness(output);
      expect(Math.abs(measured.integrated - target)).toBeLessThanOrEqual(1);
      // ebur128 prints one decimal.
      expect(measured.truePeak).toBeLessThanOrEqual(ceiling + 0.05);
      const report = JSON.parse(await readFile(join(h.dir, preset, `doors-${preset}.json`), 'utf8')) as BookReport;
      // The manifest's figures are merged from what each part measured as it was encoded: they must
      // agree with ffmpeg's ebur128 over the finished file (one decimal printed).
      expect(report.loudness).toMatchObject({ preset, target });
      expect(Math.abs(report.loudness!.integrated - measured.integrated)).toBeLessThanOrEqual(0.2);
      expect(Math.abs(report.loudness!.truePeak - measured.truePeak)).toBeLessThanOrEqual(0.2);
      expect(Math.abs(report.loudness!.lra - measured.lra)).toBeLessThanOrEqual(0.5);
      for (const c of report.chapters) expect(Math.abs(c.loudness!.integrated - target)).toBeLessThanOrEqual(1.5);
      for (const c of report.chunks) {
        expect(c.endMs! - c.startMs!).toBeCloseTo(c.durationMs, -1);
        expect(typeof c.gainDb).toBe('number');
      }
    });
  }

  it('tags the m4b as an audiobook with cover, narrator and both chapter lists', async () => {
    const out = join(h.dir, 'tagged');
    const { statuses } = await h.narrate([join(h.dir, 'doors.md')], { outDir: out, author: 'A. Writer', narrator: 'Ann Reed', cover: join(h.dir, 'cover.jpg') });
    expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
    const file = join(out, 'doors.m4b');
    const info = await probe(file);
    expect(info.format.tags).toMatchObject({ major_brand: 'M4B ', title: 'Doors', album: 'Doors', artist: 'A. Writer', album_artist: 'A. Writer', composer: 'Ann Reed', genre: 'Audiobook', media_type: '2' });
    const pic = info.streams.find((s: any) => s.disposition?.attached_pic === 1);
    expect(pic?.codec_name).toBe('mjpeg');
    expect(info.chapters.map((c: any) => c.tags.title)).toEqual(['The First Door', 'The Second Door']);
    const bytes = await readFile(file);
    expect(bytes.includes(Buffer.from('chpl'))).toBe(true);
    // Each chapter's own file carries the same tags and cover.
    const report = JSON.parse(await readFile(join(out, 'doors.json'), 'utf8')) as BookReport;
    const chapter = await probe(report.chapters[1]!.file!);
    expect(chapter.format.tags).toMatchObject({ title: 'The Second Door', composer: 'Ann Reed', track: '2/2' });
    expect(chapter.streams.some((s: any) => s.disposition?.attached_pic === 1)).toBe(true);
  });

  it('--split chapters: one tagged file per chapter in <out>/<slug>/ named "NN - Title", with <slug>.m3u8 beside them', async () => {
    const out = join(h.dir, 'split');
    const { statuses } = await h.narrate([join(h.dir, 'doors.md')], { outDir: out, format: 'mp3', split: true, narrator: 'Ann Reed', cover: join(h.dir, 'cover.jpg') });
    expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
    expect((await readdir(join(out, 'doors'))).sort()).toEqual(['01 - The First Door.mp3', '02 - The Second Door.mp3', 'doors.m3u8']);
    const report = JSON.parse(await readFile(join(out, 'doors.json'), 'utf8')) as BookReport;
    expect(report.chapters.map((c) => c.file)).toEqual([join(out, 'doors', '01 - The First Door.mp3'), join(out, 'doors', '02 - The Second Door.mp3')]);
    const playlist = await readFile(join(out, 'doors', 'doors.m3u8'), 'utf8');
    expect(playlist).toMatch(/^#EXTM3U\n#EXTINF:\d+,The First Door\n01 - The First Door\.mp3\n#EXTINF:\d+,The Second Door\n02 - The Second Door\.mp3\n$/);
    const second = await probe(join(out, 'doors', '02 - The Second Door.mp3'));
    expect(second.format.tags).toMatchObject({ title: 'The Second Door', composer: 'Ann Reed', track: '2/2' });
    expect(second.streams.some((s: any) => s.disposition?.attached_pic === 1)).toBe(true);
  });
});

describe('level matching against a model whose level drifts between calls', () => {
  let h: Harness;
  let fake: FakeModelServer;
  beforeAll(async () => {
    fake = await startFakeModel({ apiKey: 'k', levelDriftDb: [0, -12, 4, -6, 2, -9] });
    h = await createHarness('mastering-drift', { NARRATE_API_KEY: 'k', NARRATE_BASE_URL: fake.url });
    await writeFile(join(h.dir, 'drift.md'), `# One\n\n${PROSE.join('\n\n')}\n`);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  async function spread(loudness: 'audiobook' | 'off'): Promise<number> {
    const out = join(h.dir, loudness);
    const { statuses } = await h.narrate([join(h.dir, 'drift.md')], { outDir: out, loudness, maxChars: 120 }, { concurrency: 1 });
    expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
    const report = JSON.parse(await readFile(join(out, 'drift.json'), 'utf8')) as BookReport;
    expect(report.chunks.length).toBeGreaterThanOrEqual(5);
    // The middle of each chunk, away from the joins; a piece under 1.5 s is too short to gate and is levelled by its RMS instead.
    const levels = await Promise.all(report.chunks.filter((c) => c.durationMs >= 1500).map((c) => windowRms(join(out, 'drift.m4b'), c.startMs! + 200, c.endMs! - 200)));
    return Math.max(...levels) - Math.min(...levels);
  }

  it('brings every segment to one level (within 1 dB), where unmastered they differ by the drift', async () => {
    expect(await spread('audiobook')).toBeLessThanOrEqual(1);
    expect(await spread('off')).toBeGreaterThan(8);
  });
});
