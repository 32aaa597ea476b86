/**
 * Opus (Ogg) and FLAC books from real speech (the offline voice): encoded in one pass from the
 * stored segments once the last chunk is in, mastered like the parts of an m4b, with the book's
 * tags and its chapters as CHAPTERnnn comments, as long as the manifest says.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishConflict } from '../../src/cli/finish-flags.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { measureFileLoudness } from '../../src/finalizer/measure-loudness.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { PROSE } from '../helpers/speech.js';

const run = promisify(execFile);
const BOOK = `# The First Door\n\n${PROSE.slice(0, 3).join('\n\n')}\n\n# The Second Door\n\n${PROSE.slice(2, 5).join('\n\n')}\n`;

describe('opus and flac books', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('opus-flac');
    await writeFile(join(h.dir, 'doors.md'), BOOK);
  });
  afterAll(async () => h?.close());

  // Opus always decodes at 48 kHz, whatever it was encoded from.
  for (const [format, codec, rate] of [['opus', 'opus', '48000'], ['flac', 'flac', '24000']] as const) {
    it(`${format}: ${codec} at the book's level, tagged, with chapter comments`, async () => {
      const out = join(h.dir, format);
      const { statuses } = await h.narrate([join(h.dir, 'doors.md')], { outDir: out, format, author: 'A. Writer', narrator: 'Ann Reed' });
      expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
      const file = join(out, `doors.${format}`);
      expect(statuses[0]!.output).toBe(file);
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
      const info = JSON.parse(stdout) as { streams: { codec_name: string; sample_rate: string; tags?: Record<string, string> }[]; format: { duration: string; tags?: Record<string, string> } };
      expect(info.streams[0]).toMatchObject({ codec_name: codec, sample_rate: rate });
      const tags = Object.fromEntries(Object.entries({ ...info.format.tags, ...info.streams[0]!.tags }).map(([k, v]) => [k.toLowerCase(), v]));
      expect(tags).toMatchObject({ title: 'Doors', artist: 'A. Writer', composer: 'Ann Reed', genre: 'Audiobook' });

      const report = JSON.parse(await readFile(join(out, 'doors.json'), 'utf8')) as BookReport;
      expect(Math.abs(Number(info.format.duration) * 1000 - report.durationMs)).toBeLessThanOrEqual(50);
      const bytes = (await readFile(file)).toString('latin1');
      report.chapters.forEach((c, i) => {
        const n = String(i).padStart(3, '0');
        expect(bytes).toContain(`CHAPTER${n}NAME=${c.title}`);
        const at = new RegExp(`CHAPTER${n}=(\\d\\d):(\\d\\d):(\\d\\d\\.\\d{3})`).exec(bytes)!;
        const ms = (Number(at[1]) * 3600 + Number(at[2]) * 60 + Number(at[3])) * 1000;
        expect(Math.abs(ms - c.startMs), `chapter ${i + 1} comment`).toBeLessThanOrEqual(50);
      });

      // Mastered to the audiobook preset (-18 LUFS, -2 dBTP), and the manifest says what ebur128 measured.
      const measured = await measureFileLoudness(file);
      expect(Math.abs(measured.integrated - -18)).toBeLessThanOrEqual(1);
      expect(measured.truePeak).toBeLessThanOrEqual(-2 + 0.05);
      expect(report.loudness).toMatchObject({ preset: 'audiobook', integrated: measured.integrated });
    }, 120_000);
  }

  it('refuses --split chapters for them, as for wav', () => {
    expect(finishConflict('audiobook', 'opus', true)).toMatch(/--split chapters is not supported yet for opus/);
    expect(finishConflict('audiobook', 'flac', true)).toMatch(/--split chapters is not supported yet for flac/);
  });
});
