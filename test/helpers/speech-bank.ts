/**
 * A small bank of real speech from the offline voice (flite's rms), for a fake model whose audio an
 * encoder must treat like a narrator's: AAC and MP3 encoders run several times faster on a sine
 * tone than on speech, so a bench of the finisher fed tones would flatter it.
 *
 * Rendering takes a tenth to a third of a second a sentence on this machine, so the bank is rendered
 * once and cached under the OS temp dir, keyed by its sentences and format; every later start reads
 * one file. A fake built on it stays cheap per request: clips are copied, never rendered.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOK_FORMAT } from '../../src/audio/wav-format.js';
import { PROSE, offlineSpeech } from './speech.js';

/** Distinct sentences of ordinary prose (PROSE, then more), 2 to 11 seconds each when spoken. */
export const BANK_SENTENCES: readonly string[] = [
  ...PROSE,
  'The rain had stopped by the time the coach reached the village, and the lamps were being lit one by one.',
  'She folded the letter twice, put it in her pocket, and said nothing more about it that evening.',
  'Nobody in the house could remember who had planted the old pear tree by the gate.',
  'At noon the market square was full of carts, dogs, and people arguing about the price of cabbages.',
  'He walked to the end of the pier and watched the fishing boats come in against the wind.',
  'Three days later, a parcel arrived with no name on it, tied with ordinary brown string.',
  'The river was low that summer, and the children waded across it to the island of willows.',
  'I had never seen my grandfather laugh until the night the old clock finally stopped.',
  'Outside, the snow kept falling, softly and steadily, on the roofs and on the empty road.',
  'Why, she asked, would anyone climb a mountain only to come straight back down again?',
  'The captain looked at the sky, said that the weather would turn, and ordered the sails taken in.',
  'Books were piled on every chair, so the visitor stood by the window and waited.',
  'It is a curious thing how quickly a stranger becomes a friend on a long journey.',
  'By morning the fever had broken, and the doctor went home to sleep.',
  'The bells rang out across the valley, once, twice, and then a third time.',
  'We ate bread and cheese on the hillside, and nobody spoke for a long while.',
];

/** Bump when the rendering changes, so stale caches are not read. */
const BANK_VERSION = 2;

/** One clip per sentence: 16-bit PCM in BOOK_FORMAT (24 kHz mono), as the offline voice speaks it. */
export type SpeechBank = readonly Buffer[];

/** The bank, from the cache under the OS temp dir when it is there, else rendered (and cached). */
export async function loadSpeechBank(sentences: readonly string[] = BANK_SENTENCES): Promise<SpeechBank> {
  const hash = createHash('sha256').update(JSON.stringify({ v: BANK_VERSION, format: BOOK_FORMAT, sentences })).digest('hex').slice(0, 16);
  const cache = join(tmpdir(), `narrate-fake-speech-${hash}.pcm16`);
  const cached = await readFile(cache).then(decodeBank, () => undefined);
  if (cached && cached.length === sentences.length) return cached;
  const work = await mkdtemp(join(tmpdir(), 'narrate-speech-bank-'));
  try {
    const clips: Buffer[] = [];
    for (const sentence of sentences) {
      const wav = await offlineSpeech(work, sentence);
      const bytes = await readFile(wav.path);
      clips.push(Buffer.from(bytes.subarray(wav.dataOffset, wav.dataOffset + wav.dataBytes)));
    }
    // Written beside the cache and renamed: two fakes starting at once never read half a file.
    const partial = join(work, 'bank.pcm16');
    await writeFile(partial, encodeBank(clips));
    await rename(partial, cache).catch(() => undefined);
    return clips;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** count (u32), then per clip its byte length (u32) and its PCM. */
function encodeBank(clips: readonly Buffer[]): Buffer {
  const head = Buffer.alloc(4 + 4 * clips.length);
  head.writeUInt32LE(clips.length, 0);
  clips.forEach((c, i) => head.writeUInt32LE(c.length, 4 + 4 * i));
  return Buffer.concat([head, ...clips]);
}

function decodeBank(file: Buffer): Buffer[] | undefined {
  if (file.length < 4) return undefined;
  const count = file.readUInt32LE(0);
  let at = 4 + 4 * count;
  if (at > file.length) return undefined;
  const clips: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const length = file.readUInt32LE(4 + 4 * i);
    if (at + length > file.length || length % 2 !== 0) return undefined;
    clips.push(file.subarray(at, at + length));
    at += length;
  }
  return at === file.length ? clips : undefined;
}

const BLOCK = (BOOK_FORMAT.channels * BOOK_FORMAT.bitsPerSample) / 8;
const RATE = BOOK_FORMAT.sampleRate;
/** Pauses between sentences: 0.25 to 0.7 s, as a reader breathes. */
const PAUSE_MIN_S = 0.25;
const PAUSE_SPAN_S = 0.45;
/** A clip cut short (a reading shorter than any sentence) fades out over this long, so it does not click. */
const FADE_S = 0.01;

/**
 * Exactly `samples` samples of speech: sentences of the bank, starting at clip `seed` and going on
 * in order, separated by short pauses; when the next one no longer fits, any shorter one that does;
 * the time left over is spread over the pauses, so the reading ends with a sentence, not a cut. A
 * reading shorter than every sentence is the start of one, faded out. `gain` scales the samples.
 * Pure; the work is copying, so a long reading costs a few milliseconds.
 */
export function fillWithSpeech(bank: SpeechBank, samples: number, seed: number, gain = 1): Buffer {
  const out = Buffer.alloc(samples * BLOCK);
  if (bank.length === 0 || samples <= 0) return out;
  const start = Math.abs(Math.trunc(seed)) % bank.length;
  const pauseOf = (i: number) => Math.round((PAUSE_MIN_S + (((start + i) * 0.618034) % 1) * PAUSE_SPAN_S) * RATE);
  const picked: Buffer[] = [];
  const pauses: number[] = [];
  let used = 0;
  for (let k = 0; ; k++) {
    const pause = picked.length === 0 ? 0 : pauseOf(picked.length);
    const next = bank[(start + k) % bank.length]!;
    const fits = (c: Buffer) => used + pause + c.length / BLOCK <= samples;
    const clip = fits(next) ? next : bank.find(fits);
    if (!clip || clip.length === 0) break;
    picked.push(clip);
    pauses.push(pause);
    used += pause + clip.length / BLOCK;
  }
  if (picked.length === 0) {
    const clip = bank[start]!;
    copyScaled(clip.subarray(0, samples * BLOCK), out, 0, gain);
    const fade = Math.min(samples, Math.round(FADE_S * RATE));
    for (let i = 0; i < fade; i++) {
      const at = (samples - fade + i) * BLOCK;
      out.writeInt16LE(Math.round(out.readInt16LE(at) * (1 - (i + 1) / fade)), at);
    }
    return out;
  }
  // The slack goes into the pauses (and half a share before the first sentence), so none grows long.
  const share = Math.floor((samples - used) / (picked.length + 1));
  let at = Math.floor(share / 2);
  picked.forEach((clip, i) => {
    if (i > 0) at += pauses[i]! + share;
    copyScaled(clip, out, at * BLOCK, gain);
    at += clip.length / BLOCK;
  });
  return out;
}

function copyScaled(from: Buffer, to: Buffer, offset: number, gain: number): void {
  if (gain === 1) {
    from.copy(to, offset);
    return;
  }
  for (let i = 0; i + 1 < from.length; i += 2) {
    const v = Math.round(from.readInt16LE(i) * gain);
    to.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, offset + i);
  }
}
