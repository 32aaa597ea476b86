/**
 * Opus (Ogg), FLAC and WAV books from real speech (the offline voice), encoded in parts while they
 * are narrated like m4b and mp3: mastered, tagged (WAV: a LIST/INFO chunk), with chapters as
 * CHAPTERnnn comments (Opus, FLAC) and a cover (Opus, FLAC), one file per chapter and a playlist
 * with --split chapters, and as long as the manifest says. Joins and chapter marks are checked on
 * every format by finish-joins.test.ts.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { measureFileLoudness } from '../../src/finalizer/measure-loudness.js';
import { pauseSamples } from '../../src/finalizer/part-layout.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { PROSE } from '../helpers/speech.js';

const run = promisify(execFile);
const BOOK = `# The First Door\n\n${PROSE.slice(0, 3).join('\n\n')}\n\n# The Second Door\n\n${PROSE.slice(2, 5).join('\n\n')}\n`;

describe('opus, flac and wav books', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('opus-flac');
    await writeFile(join(h.dir, 'doors.md'), BOOK);
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=navy:s=300x300', '-frames:v', '1', join(h.dir, 'cover.png')]);
  });
  afterAll(async () => h?.close());

  // Opus always decodes at 48 kHz, whatever it was encoded from.
  for (const [format, codec, rate] of [['opus', 'opus', '48000'], ['flac', 'flac', '24000'], ['wav', 'pcm_s16le', '24000']] as const) {
    it(`${format}: ${codec} at the book's level, tagged, with chapters${format === 'wav' ? '' : ' and a cover'}, split into chapter files with a playlist`, async () => {
      const out = join(h.dir, format);
      const cover = format === 'wav' ? {} : { cover: join(h.dir, 'cover.png') };
      const { statuses } = await h.narrate([join(h.dir, 'doors.md')], { outDir: out, format, author: 'A. Writer', narrator: 'Ann Reed', split: true, ...cover });
      expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
      const file = join(out, `doors.${format}`);
      expect(statuses[0]!.output).toBe(file);
      const info = await probe(file);
      const audio = info.streams.find((s) => s.codec_type === 'audio')!;
      expect(audio).toMatchObject({ codec_name: codec, sample_rate: rate });
      const tags = lower({ ...info.format.tags, ...audio.tags });
      // WAV's INFO chunk has no composer or album artist field.
      expect(tags).toMatchObject(format === 'wav' ? { title: 'Doors', artist: 'A. Writer', genre: 'Audiobook' } : { title: 'Doors', artist: 'A. Writer', composer: 'Ann Reed', genre: 'Audiobook' });
      if (format !== 'wav') {
        expect(info.streams.some((s) => s.codec_type === 'video' && s.disposition?.attached_pic === 1), 'cover').toBe(true);
      }
      // libFLAC's own decoder checks every frame's CRCs and numbering (npm run setup installs it).
      if (format === 'flac') await run('flac', ['-t', '--silent', file]);

      const report = JSON.parse(await readFile(join(out, 'doors.json'), 'utf8')) as BookReport;
      // ffprobe counts an Ogg Opus stream's pre-skip (6.5 ms) in its duration; decoders trim it.
      expect(Math.abs(Number(info.format.duration) * 1000 - report.durationMs)).toBeLessThanOrEqual(format === 'opus' ? 7 : 1);
      if (format !== 'wav') {
        expect(info.chapters.map((c) => c.tags.title)).toEqual(['The First Door', 'The Second Door']);
        report.chapters.forEach((c, i) => expect(Math.abs(Number(info.chapters[i]!.start_time) * 1000 - c.startMs), `chapter ${i + 1}`).toBeLessThanOrEqual(50));
      }

      // Mastered to the audiobook preset (-18 LUFS, -2 dBTP); the manifest's figures agree with ebur128's.
      const measured = await measureFileLoudness(file);
      expect(Math.abs(measured.integrated - -18)).toBeLessThanOrEqual(1);
      expect(measured.truePeak).toBeLessThanOrEqual(-2 + 0.05);
      expect(report.loudness).toMatchObject({ preset: 'audiobook' });
      expect(Math.abs(report.loudness!.integrated - measured.integrated)).toBeLessThanOrEqual(0.2);

      // One file per chapter, tagged with its title and track, and the playlist beside them.
      expect((await readdir(join(out, 'doors'))).sort()).toEqual([`01 - The First Door.${format}`, `02 - The Second Door.${format}`, 'doors.m3u8']);
      const playlist = await readFile(join(out, 'doors', 'doors.m3u8'), 'utf8');
      expect(playlist).toContain(`02 - The Second Door.${format}`);
      const second = await probe(join(out, 'doors', `02 - The Second Door.${format}`));
      const secondAudio = second.streams.find((s) => s.codec_type === 'audio')!;
      expect(lower({ ...second.format.tags, ...secondAudio.tags })).toMatchObject({ title: 'The Second Door' });
      // The last chapter's file runs from the second half of the pause before it to the book's end.
      const chapter = report.chapters[1]!;
      const lead = pauseSamples('chapter', 24_000) - Math.ceil(pauseSamples('chapter', 24_000) / 2);
      expect(Math.abs(Number(second.format.duration) * 1000 - (chapter.endMs - chapter.startMs) - (lead * 1000) / 24_000)).toBeLessThanOrEqual(format === 'opus' ? 8 : 1);
      if (format !== 'wav') expect(second.streams.some((s) => s.disposition?.attached_pic === 1)).toBe(true);
    }, 120_000);
  }
});

type Probe = {
  streams: { codec_type: string; codec_name: string; sample_rate?: string; tags?: Record<string, string>; disposition?: { attached_pic: number } }[];
  format: { duration: string; tags?: Record<string, string> };
  chapters: { start_time: string; tags: { title: string } }[];
};

async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-show_chapters', '-of', 'json', file]);
  return JSON.parse(stdout) as Probe;
}

function lower(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
}
