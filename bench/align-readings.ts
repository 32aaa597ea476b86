/** The test readings of section 8 and bench/align-check.ts: voices, paces and seeds, so both make the same audio for a chunk. */
import { speakSentence, type TestVoice } from '../test/helpers/align-speech.js';

export const FLITE: TestVoice[] = [
  { engine: 'flite', voice: 'slt' },
  { engine: 'flite', voice: 'rms' },
  { engine: 'flite', voice: 'awb' },
  { engine: 'flite', voice: 'kal' },
];
export const FESTIVAL_IT: TestVoice[] = [
  { engine: 'festival', voice: 'voice_lp_diphone' },
  { engine: 'festival', voice: 'voice_pc_diphone' },
];
export const ESPEAK_VARIANT: TestVoice[] = [{ engine: 'espeak-ng', voice: 'en-gb+f3', pitch: 75 }];

export type Pace = 'natural' | 'varied';

/** A seeded generator (the same chunk always gets the same pace, pauses and cut). */
export function random(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A reading of `sentences` by `voices` at `pace`: natural is the voice's own rate with pauses of
 * 0.3–0.9 s; varied changes the rate of every sentence (0.7× to 1.45× as long) and pauses anywhere
 * from 20 ms (sentences run together) to 2 s.
 */
export async function read(sentences: readonly string[], voices: readonly TestVoice[], pace: Pace, seed: number): Promise<{ clips: Int16Array[]; pauses: number[] }> {
  const next = random(seed);
  const voice = voices[seed % voices.length]!;
  const clips: Int16Array[] = [];
  const pauses: number[] = [];
  for (const sentence of sentences) {
    const stretch = pace === 'varied' ? Math.round((0.7 + 0.75 * next()) * 20) / 20 : 1;
    clips.push(await speakSentence({ ...voice, stretch }, sentence));
    pauses.push(pace === 'varied' ? 20 + 1980 * next() : 300 + 600 * next());
  }
  return { clips, pauses };
}
