/**
 * The aligner on speech whose sentence boundaries are known: each sentence spoken on its own by
 * another engine than the reference voice (flite for English, festival for Italian), at varied pace
 * and with pauses from 60 ms to over a second, then joined. The bench (section 7) measures the same
 * over hundreds of chunks of real books.
 */
import { describe, expect, it } from 'vitest';
import { alignChunk } from '../../../src/align/align-chunk.js';
import { judgeAlignment } from '../../../src/align/judge-alignment.js';
import { joinSentences, speakSentence, type TestVoice } from '../../helpers/align-speech.js';
import { PROSE } from '../../helpers/speech.js';

const ITALIAN = [
  'Il paese sorgeva sulla cima di una collina, circondato da vigne e da boschi di castagni.',
  'Ogni mattina le donne andavano alla fontana a prendere l\'acqua.',
  'Il vecchio Antonio aveva fatto il falegname per cinquant\'anni, e le sue mani erano ancora forti.',
  'Chi siete, e da dove venite?',
  'Durante la notte cominciò a nevicare, e la mattina dopo il paese era tutto bianco.',
];
/** Each sentence at its own pace, and pauses from run-together to long. */
const STRETCH = [1, 1.3, 0.8, 1.15, 0.9, 1.2];
const PAUSES_MS = [400, 1200, 60, 800, 300, 500];

async function knownReading(voice: TestVoice, sentences: readonly string[], skip = -1) {
  const clips: Int16Array[] = [];
  for (const [i, s] of sentences.entries()) clips.push(await speakSentence({ ...voice, stretch: STRETCH[i]! }, s));
  const keep = (_: unknown, i: number) => i !== skip;
  return joinSentences(clips.filter(keep), PAUSES_MS.slice(0, sentences.length).filter(keep));
}

describe.each([
  { language: 'en', voice: { engine: 'flite', voice: 'rms' } as TestVoice, sentences: [...PROSE, 'Why, she asked, would anyone climb a mountain only to come straight back down again?'] },
  { language: 'it', voice: { engine: 'festival', voice: 'voice_lp_diphone' } as TestVoice, sentences: ITALIAN },
])('alignChunk ($language, $voice.engine)', ({ language, voice, sentences }) => {
  it('times every sentence start within 100 ms on average and 300 ms at worst, and accepts the reading', async () => {
    const reading = await knownReading(voice, sentences);
    const result = await alignChunk({ pcm: reading.samples, sampleRate: reading.sampleRate, sentences, language });
    expect(result.sentences).toHaveLength(sentences.length);
    const errors = result.sentences.map((s, i) => Math.abs(s.startMs - reading.truth[i]!.startMs));
    const ends = result.sentences.map((s, i) => Math.abs(s.endMs - reading.truth[i]!.endMs));
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThanOrEqual(100);
    expect(Math.max(...errors)).toBeLessThanOrEqual(300);
    expect(Math.max(...ends)).toBeLessThanOrEqual(400);
    for (const s of result.sentences) expect(s.endMs).toBeGreaterThan(s.startMs);
    expect(result.reference).toMatchObject({ engine: 'espeak-ng', speaksLanguage: true });
    expect(judgeAlignment(result, sentences)).toEqual({ ok: true });
  });

  it('marks the reading suspect when a sentence is cut out of the audio', async () => {
    const reading = await knownReading(voice, sentences, 2);
    const result = await alignChunk({ pcm: reading.samples, sampleRate: reading.sampleRate, sentences, language });
    const verdict = judgeAlignment(result, sentences);
    expect(verdict).toMatchObject({ ok: false, suspect: 'alignment' });
    expect(!verdict.ok && verdict.reason).toMatch(/missing/);
  });
});
