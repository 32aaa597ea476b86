import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseWav } from '../audio/parse-wav.js';
import { NarrateError } from '../errors.js';

/** Speech as 16-bit samples at its own rate. */
export interface Pcm {
  samples: Int16Array;
  sampleRate: number;
}

type EspeakModule = { FS: { readFile(path: string): Uint8Array; writeFile(path: string, data: string): void } };
type EspeakFactory = (options: Record<string, unknown>) => Promise<EspeakModule>;
/** The few WebAssembly calls made here (the lib settings of this project declare no WebAssembly types). */
interface Wasm {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

let loaded: Promise<{ create: EspeakFactory; module: object }> | undefined;

/**
 * The espeak-ng WebAssembly module, compiled once per process. The npm build runs `main` once per
 * instance, so every rendering needs a new instance; handing Emscripten the compiled module (through
 * its instantiateWasm hook) makes that an instantiation, not a compile of 18 MB of WebAssembly.
 */
function espeak(): Promise<{ create: EspeakFactory; module: object }> {
  loaded ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('espeak-ng');
    const [factory, bytes] = await Promise.all([import('espeak-ng'), readFile(join(dirname(entry), 'espeak-ng.wasm'))]);
    return { create: factory.default as unknown as EspeakFactory, module: await wasm.compile(bytes) };
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/**
 * Runs `run` with stack traces off. Receiving the instance runs the whole program synchronously (its
 * startup, which makes a file of every voice and dictionary embedded in the WebAssembly, then main).
 * This debug build of Emscripten captures and demangles a stack trace for every file-system error, and
 * the startup's mkdir of every existing folder is one: about half of a short rendering's CPU went there
 * (measured with node --cpu-prof, docs/read-along.md). Synchronous, so no other code runs without traces.
 */
function withoutStackTraces<T>(run: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Renders `text` with espeak-ng and `args` (voice, SSML, rate...) in a fresh instance. The text goes
 * through a file, not argv: no length limit and no option parsing of its words.
 */
export async function espeakRender(text: string, args: readonly string[]): Promise<Pcm> {
  const { create, module } = await espeak();
  const errors: string[] = [];
  let failed!: (error: unknown) => void;
  // Emscripten never settles its promise when the hook's instantiation fails: that failure is raced in.
  const failure = new Promise<never>((_, reject) => (failed = reject));
  const instance = await Promise.race([
    create({
      arguments: [...args, '-w', '/out.wav', '-f', '/in.txt'],
      instantiateWasm: (imports: object, receive: (instance: object) => void) => {
        wasm.instantiate(module, imports).then((instance) => withoutStackTraces(() => receive(instance)), failed);
        return {};
      },
      preRun: [(m: EspeakModule) => m.FS.writeFile('/in.txt', text)],
      print: () => undefined,
      printErr: (line: string) => errors.push(line),
    }),
    failure,
  ]);
  let wav: Uint8Array;
  try {
    wav = instance.FS.readFile('/out.wav');
  } catch {
    const reason = (errors[0] ?? 'no reason given').replace(/^Error:\s*/, '');
    throw new NarrateError(`espeak-ng (${args.join(' ')}) produced no audio: ${reason}`, { retryable: false });
  }
  const { format, data } = parseWav(Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength));
  // Copied out of the instance's memory, so the instance (32 MB and more) can be collected.
  const samples = new Int16Array(data.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(2 * i);
  return { samples, sampleRate: format.sampleRate };
}
