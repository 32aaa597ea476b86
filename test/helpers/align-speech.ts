/**
 * Speech whose sentence boundaries are known, to measure the aligner against: each sentence spoken
 * on its own by a voice other than the aligner's reference (flite, festival, or espeak-ng with another
 * variant, pitch and speed), trimmed to its speech and joined with pauses of chosen lengths. The truth
 * is where each sentence's speech was placed.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { espeakRender, type Pcm } from '../../src/align/espeak-render.js';
import { speechExtent } from '../../src/align/speech-extent.js';
import { parseWav } from '../../src/audio/parse-wav.js';
import { resamplePcm16 } from '../../src/audio/resample.js';
import { runOk } from './run-tool.js';

/** A voice to read test speech with. `stretch` > 1 reads slower (1.3: 30% longer), < 1 faster. */
export type TestVoice =
  | { engine: 'flite'; voice: 'slt' | 'rms' | 'awb' | 'kal'; stretch?: number }
  | { engine: 'festival'; voice: string; stretch?: number }
  | { engine: 'espeak-ng'; voice: string; stretch?: number; pitch?: number };

/** Everything here is at the book's rate, as a model's reading would be. */
export const TEST_RATE = 24000;

/** Rendered clips are kept here between runs (a bench speaks thousands of sentences): keyed by voice and text. */
const CACHE = join(tmpdir(), 'narrate-align-speech');
const CACHE_VERSION = 2;

/** One sentence spoken by `voice`, trimmed to its speech, at TEST_RATE; from the cache when it was spoken before. */
export async function speakSentence(voice: TestVoice, text: string): Promise<Int16Array> {
  const key = createHash('sha256').update(JSON.stringify({ v: CACHE_VERSION, voice, text })).digest('hex').slice(0, 24);
  const file = join(CACHE, `${key}.pcm16`);
  const cached = await readFile(file).catch(() => undefined);
  if (cached !== undefined) return toInt16(cached);
  const clip = await renderSentence(voice, text);
  await mkdir(CACHE, { recursive: true });
  // Written beside and renamed: two runs at once never read half a clip.
  const partial = `${file}.${process.pid}`;
  await writeFile(partial, Buffer.from(clip.buffer, clip.byteOffset, clip.byteLength));
  await rename(partial, file);
  return clip;
}

async function renderSentence(voice: TestVoice, text: string): Promise<Int16Array> {
  const stretch = voice.stretch ?? 1;
  let pcm: Pcm;
  if (voice.engine === 'espeak-ng') {
    // espeak's rate is in words a minute, 175 by default.
    const args = ['-v', voice.voice, '-s', String(Math.round(175 / stretch)), '-p', String(voice.pitch ?? 50)];
    pcm = await espeakRender(text, args);
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'narrate-align-speech-'));
    try {
      const input = join(dir, 'in.txt');
      const output = join(dir, 'out.wav');
      if (voice.engine === 'flite') {
        // flite reads ASCII: typographic quotes and dashes become their plain forms.
        await writeFile(input, text.replace(/[“”]/g, '"').replace(/[‘’]/g, "'").replace(/[—–]/g, ', '));
        await runOk('flite', ['-voice', voice.voice, '--setf', `duration_stretch=${stretch}`, '-f', input, '-o', output]);
      } else {
        // Festival's Italian and other European voices read ISO-8859-1.
        await writeFile(input, Buffer.from(text.replace(/[“”«»]/g, '"').replace(/[‘’]/g, "'"), 'latin1'));
        await runOk('text2wave', ['-eval', `(${voice.voice})`, '-eval', `(Parameter.set 'Duration_Stretch ${stretch})`, input, '-o', output]);
      }
      const { format, data } = parseWav(await readFile(output));
      pcm = { samples: toInt16(data), sampleRate: format.sampleRate };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const resampled = resamplePcm16(Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength), pcm.sampleRate, TEST_RATE);
  const samples = toInt16(resampled);
  const { start, end } = speechExtent(samples, TEST_RATE);
  return samples.slice(start, end);
}

/** A reading with known boundaries: its samples at TEST_RATE and where each sentence's speech lies. */
export interface KnownSpeech {
  samples: Int16Array;
  sampleRate: number;
  truth: Array<{ startMs: number; endMs: number }>;
}

/**
 * Joins trimmed sentence clips: `leadMs` of room before the first, `pausesMs[i]` after clip i (the
 * last one's is the tail), and a faint steady hiss under all of it (-60 dBFS), as a room has.
 */
export function joinSentences(clips: readonly Int16Array[], pausesMs: readonly number[], leadMs = 300): KnownSpeech {
  const ms = (n: number) => Math.round((n * TEST_RATE) / 1000);
  const total = ms(leadMs) + clips.reduce((n, c, i) => n + c.length + ms(pausesMs[i] ?? 0), 0);
  const samples = new Int16Array(total);
  const truth: KnownSpeech['truth'] = [];
  let at = ms(leadMs);
  clips.forEach((clip, i) => {
    samples.set(clip, at);
    truth.push({ startMs: (at * 1000) / TEST_RATE, endMs: ((at + clip.length) * 1000) / TEST_RATE });
    at += clip.length + ms(pausesMs[i] ?? 0);
  });
  let seed = 7;
  for (let i = 0; i < total; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    samples[i] = Math.max(-32768, Math.min(32767, samples[i]! + Math.round((seed / 2 ** 32 - 0.5) * 66)));
  }
  return { samples, sampleRate: TEST_RATE, truth };
}

function toInt16(data: Buffer): Int16Array {
  const out = new Int16Array(data.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = data.readInt16LE(2 * i);
  return out;
}
