/**
 * An independent listener for the offline voice: CMU pocketsphinx with its US English model (Debian's
 * `pocketsphinx` and `pocketsphinx-en-us`, installed by scripts/setup.sh). It knows nothing of the text,
 * so what it hears is what a listener could make out. Debian 12 ships the 0.8 ("5prealpha") programs,
 * `pocketsphinx_continuous`; Debian 13 and later ship 5.x, one `pocketsphinx` program: both are handled.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk } from './run-tool.js';

/** A recognizer found on this machine. */
export interface Recognizer {
  /** The program and its version line, for reports. */
  name: string;
  /** The words heard in a WAV file (any rate and channels: it is resampled to 16 kHz mono first). */
  recognize(wavPath: string): Promise<string>;
}

/** The model directory both Debian packagings install (pocketsphinx-en-us). */
const MODEL = '/usr/share/pocketsphinx/model/en-us';

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$0"', command], { stdio: 'ignore' }).status === 0;
}

/** pocketsphinx if it is installed with its English model, else undefined (a test then skips). */
export function findRecognizer(): Recognizer | undefined {
  if (spawnSync('test', ['-d', join(MODEL, 'en-us')]).status !== 0) return undefined;
  // 5.x: `pocketsphinx single FILE` decodes the file as one utterance and prints a JSON line whose "t" is the text.
  if (onPath('pocketsphinx')) {
    return {
      name: 'pocketsphinx 5 (single, en-us)',
      recognize: (wav) =>
        atSixteenKilohertz(wav, async (input) => {
          const { stdout } = await runOk('pocketsphinx', ['-hmm', join(MODEL, 'en-us'), '-lm', join(MODEL, 'en-us.lm.bin'), '-dict', join(MODEL, 'cmudict-en-us.dict'), 'single', input]);
          return stdout
            .toString('utf8')
            .split('\n')
            .filter((line) => line.trim().startsWith('{'))
            .map((line) => (JSON.parse(line) as { t?: string }).t ?? '')
            .join(' ');
        }),
    };
  }
  // 0.8: pocketsphinx_continuous cuts the file into utterances at pauses and prints one line of words for each.
  if (onPath('pocketsphinx_continuous')) {
    return {
      name: 'pocketsphinx_continuous 0.8 (5prealpha, en-us)',
      recognize: (wav) =>
        atSixteenKilohertz(wav, async (input) => {
          const { stdout } = await runOk('pocketsphinx_continuous', ['-infile', input, '-logfn', '/dev/null']);
          return stdout.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
        }),
    };
  }
  return undefined;
}

/** Runs `use` on a 16 kHz mono 16-bit copy of `wav` (the acoustic model's rate), removed afterwards. */
async function atSixteenKilohertz(wav: string, use: (path: string) => Promise<string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'narrate-asr-'));
  try {
    const input = join(dir, 'in.wav');
    await runOk('ffmpeg', ['-nostdin', '-loglevel', 'error', '-i', wav, '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-y', input]);
    return await use(input);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
