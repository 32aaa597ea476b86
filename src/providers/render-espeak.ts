import { NarrateError } from '../errors.js';

/** The espeak-ng build on npm is an Emscripten module: one instance runs `main` once, then is done. */
type EspeakModule = { FS: { readFile(path: string): Uint8Array; writeFile(path: string, data: string): void } };
type EspeakFactory = (options: Record<string, unknown>) => Promise<EspeakModule>;

let factory: Promise<EspeakFactory> | undefined;

/** Speaks `text` with an espeak-ng voice (`fr-fr+f3`) and returns the WAV espeak writes (16-bit mono, 22050 Hz). */
export async function renderEspeak(text: string, voice: string): Promise<Buffer> {
  factory ??= import('espeak-ng').then((m) => m.default as unknown as EspeakFactory);
  const create = await factory;
  const errors: string[] = [];
  const module = await create({
    // The text goes through a file, not argv: no length limit and no option parsing of its words.
    arguments: ['-v', voice, '-w', '/out.wav', '-f', '/in.txt'],
    preRun: [(m: EspeakModule) => m.FS.writeFile('/in.txt', text)],
    print: () => undefined,
    printErr: (line: string) => errors.push(line),
  });
  let wav: Uint8Array;
  try {
    wav = module.FS.readFile('/out.wav');
  } catch {
    // Emscripten adds a line about its runtime after the real reason; the first line is the one to show.
    const reason = (errors[0] ?? 'no reason given').replace(/^Error:\s*/, '');
    throw new NarrateError(`offline voice "${voice}" produced no audio: ${reason}`, { retryable: false });
  }
  return Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength);
}
