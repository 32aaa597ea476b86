import { parseWav } from '../audio/parse-wav.js';
import { resamplePcm16 } from '../audio/resample.js';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { writeWav } from '../audio/write-wav.js';
import { NarrateError } from '../errors.js';
import { espeakVoice } from '../language/espeak-voice.js';
import type { AudioSpool } from '../store/audio-spool.js';
import type { NarrationRequest, NarrationResult, Narrator } from './narrator.js';

/** The espeak-ng build on npm is an Emscripten module: one instance runs `main` once, then is done. */
type EspeakModule = { FS: { readFile(path: string): Uint8Array; writeFile(path: string, data: string): void } };
type EspeakFactory = (options: Record<string, unknown>) => Promise<EspeakModule>;

let factory: Promise<EspeakFactory> | undefined;

/**
 * The built-in offline voice: espeak-ng compiled to WebAssembly (no system package, no network).
 * It reads exactly the text it is given, so its transcript is the text itself.
 */
export class OfflineNarrator implements Narrator {
  readonly name = 'offline';
  readonly model = 'espeak-ng';

  constructor(private readonly spool: AudioSpool) {}

  async narrate(request: NarrationRequest): Promise<NarrationResult> {
    factory ??= import('espeak-ng').then((m) => m.default as unknown as EspeakFactory);
    const create = await factory;
    // The book's language picks espeak's voice (fr-fr, ar, ja...); the submit warned if it has none.
    const { voice } = espeakVoice(request.voice, request.language);
    const errors: string[] = [];
    const module = await create({
      // The text goes through a file, not argv: no length limit and no option parsing of its words.
      arguments: ['-v', voice, '-w', '/out.wav', '-f', '/in.txt'],
      preRun: [(m: EspeakModule) => m.FS.writeFile('/in.txt', request.text)],
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
    // espeak-ng speaks at 22050 Hz; every segment of a book shares the model's 24 kHz so they join without re-encoding.
    const parsed = parseWav(Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength));
    const pcm = resamplePcm16(parsed.data, parsed.format.sampleRate, BOOK_FORMAT.sampleRate);
    return {
      audio: await this.spool.fromBuffer(writeWav(BOOK_FORMAT, pcm)),
      transcript: request.text,
      finishReason: 'stop',
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    };
  }
}
