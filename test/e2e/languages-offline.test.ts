import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { probeAudio } from '../../src/finalizer/ffmpeg.js';
import { OfflineNarrator } from '../../src/providers/offline-narrator.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { AudioSpool } from '../../src/store/audio-spool.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';

const ARABIC_TEXT = 'كان يا ما كان في قديم الزمان رجل يعيش في مدينة صغيرة على شاطئ البحر، وكان يصطاد السمك كل صباح.';
const FRENCH_TEXT = "Les bateaux rentraient à l'aube, et personne sur le quai ne disait un mot. La mer était calme et le ciel encore gris.";

describe('books in Arabic and French, narrated end to end by the offline voice in their language', () => {
  let dir: string;
  const prefix = testPrefix('e2e-languages');
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-lang-'));
    // Arabic: no declaration, detected from the text. French: declared in the manifest.
    await writeFile(join(dir, 'arabic.md'), `# البحر\n\n${ARABIC_TEXT}\n`);
    await writeFile(join(dir, 'port.md'), `# Le port\n\n${FRENCH_TEXT}\n`);
    await writeFile(join(dir, 'port.yaml'), 'title: Le Port\nauthor: Anonyme\nlanguage: fr\nformat: mp3\nchapters:\n  - port.md\n');
    env = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    await obliterateQueues(connection, bullPrefix(prefix));
    await connection.quit();
    await rm(dir, { recursive: true, force: true });
  });

  /** The duration the offline voice gives `text` when told the language (espeak-ng, or flite for English): it is deterministic. */
  async function espeakMs(text: string, language: string): Promise<number> {
    const spool = new AudioSpool(join(dir, 'probe-spool'));
    const result = await new OfflineNarrator(spool).narrate({ text, voice: 'alloy', instructions: '', language });
    await spool.discard(result.audio?.path);
    return result.audio!.durationMs;
  }

  it.each([
    ['arabic.md', 'ar', 'البحر', ARABIC_TEXT, 'm4b'],
    ['port.yaml', 'fr', 'Le port', FRENCH_TEXT, 'mp3'],
  ])('%s is read with the %s voice, tagged and recorded in its language', async (input, language, heading, text, format) => {
    const out = join(dir, `out-${language}`);
    const result = await runCli(['run', join(dir, input), '--out', out], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('warning');
    const output = result.stdout.trim();
    expect(output.endsWith(`.${format}`)).toBe(true);
    const report = JSON.parse(await readFile(output.replace(/\.\w+$/, '.json'), 'utf8')) as BookReport;
    expect(report.language).toBe(language);
    expect(report.provider).toBe('offline');
    // Each segment lasts exactly what espeak-ng's voice for the language makes of it, not what the English voice does.
    const chunkText = report.chunks.length === 1 ? `${heading}\n\n${text}` : text;
    const [voiced, english] = await Promise.all([espeakMs(chunkText, language), espeakMs(chunkText, 'en')]);
    expect(Math.abs(voiced - english)).toBeGreaterThan(200);
    expect(report.chunks).toHaveLength(1);
    expect(report.chunks[0]!.durationMs).toBe(voiced);
    const probe = await probeAudio(output);
    expect(probe.durationMs).toBeGreaterThan(voiced - 100);
    // ffmpeg writes the `language` tag into MP3 (ID3 TLAN); its MP4 muxer has no global language tag (the manifest has it).
    if (format === 'mp3') expect(probe.tags.language).toBe(language);
  });
});
