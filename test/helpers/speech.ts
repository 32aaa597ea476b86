import { AudioSpool } from '../../src/store/audio-spool.js';
import { OfflineNarrator } from '../../src/providers/offline-narrator.js';
import type { WavFile } from '../../src/store/wav-files.js';

/** Sentences of ordinary prose, varied in length and punctuation, for real-speech fixtures. */
export const PROSE = [
  'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness.',
  'Mr. Phileas Fogg lived, in 1872, at No. 7, Saville Row, Burlington Gardens, the house in which Sheridan died in 1814.',
  'Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do.',
  'Suddenly, a loud crash! Then silence; nothing more, until the wind rose again over the moor.',
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, I thought I would sail about a little.',
];

/** Real speech from the offline voice (flite's rms for English, the default), as a canonical 24 kHz mono WAV in `dir`. */
export async function offlineSpeech(dir: string, text: string, voice = 'alloy'): Promise<WavFile> {
  const narrator = new OfflineNarrator(new AudioSpool(dir));
  const result = await narrator.narrate({ text, voice, instructions: '' });
  if (!result.audio) throw new Error('the offline voice returned no audio');
  return result.audio;
}
