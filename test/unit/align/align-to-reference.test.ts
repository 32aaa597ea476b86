import { describe, expect, it } from 'vitest';
import { bandCells, diagonalBand, repairBand } from '../../../src/align/band.js';
import type { ChunkAlignment, SentenceTiming } from '../../../src/align/chunk-alignment.js';
import { dtw } from '../../../src/align/dtw.js';
import { judgeAlignment } from '../../../src/align/judge-alignment.js';
import { hzToMel, melFilterbank, melToHz } from '../../../src/align/mel-filterbank.js';
import { DEFAULT_FEATURES, mfcc, type Features } from '../../../src/align/mfcc.js';
import { referenceVoice } from '../../../src/align/reference-voice.js';
import { renderReference } from '../../../src/align/render-reference.js';
import { speechExtent } from '../../../src/align/speech-extent.js';
import { warp } from '../../../src/align/warp.js';

const RATE = 24000;

function tone(hz: number, seconds: number, amplitude = 8000): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * RATE) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / RATE));
}

/** Features of one dimension whose values are `values`, one frame each (for DTW tests). */
function sequence(values: number[]): Features {
  return { frames: Float32Array.from(values), count: values.length, dims: 1, hopMs: 10, levelDb: new Float32Array(values.length) };
}

describe('mel filterbank', () => {
  it('converts between hertz and mels both ways, 1000 Hz being about 1000 mels', () => {
    expect(hzToMel(1000)).toBeCloseTo(1000, -1);
    for (const hz of [80, 440, 3000, 8000]) expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 6);
  });

  it('places triangles rising to 1 in order of frequency, inside the band asked for', () => {
    const filters = melFilterbank(1024, RATE, 26, 80, 8000);
    expect(filters).toHaveLength(26);
    let previousPeak = -1;
    for (const f of filters) {
      const peak = f.firstBin + f.weights.indexOf(Math.max(...f.weights));
      expect(Math.max(...f.weights)).toBeGreaterThan(0.5);
      expect(Math.max(...f.weights)).toBeLessThanOrEqual(1);
      expect(peak).toBeGreaterThan(previousPeak);
      previousPeak = peak;
      expect(f.firstBin * (RATE / 1024)).toBeGreaterThanOrEqual(80 - RATE / 1024);
      expect((f.firstBin + f.weights.length - 1) * (RATE / 1024)).toBeLessThanOrEqual(8000);
    }
  });
});

describe('mfcc', () => {
  it('makes a frame every hop, and tells two tones apart more than two halves of one', () => {
    const low = tone(400, 0.5);
    const high = tone(2500, 0.5);
    const signal = new Float32Array(low.length + high.length);
    signal.set(low);
    signal.set(high, low.length);
    const f = mfcc(signal, RATE);
    expect(f.count).toBe(Math.floor((signal.length - 1) / 240) + 1);
    expect(f.dims).toBe(DEFAULT_FEATURES.coefficients + 1);
    const frame = (k: number) => Array.from(f.frames.subarray(k * f.dims, (k + 1) * f.dims));
    const distance = (a: number[], b: number[]) => Math.hypot(...a.map((x, i) => x - b[i]!));
    // Frames 10 and 40 are both 400 Hz, frame 70 is 2500 Hz.
    expect(distance(frame(10), frame(70))).toBeGreaterThan(5 * distance(frame(10), frame(40)));
  });

  it('gives silence a level at the floor and the loudest frame 0 dB, whatever the scale', () => {
    for (const amplitude of [300, 20000]) {
      const signal = new Float32Array(RATE);
      signal.set(tone(1000, 0.5, amplitude), RATE / 2);
      const f = mfcc(signal, RATE);
      expect(f.levelDb[5]).toBe(-DEFAULT_FEATURES.floorDb);
      expect(Math.max(...f.levelDb)).toBe(0);
      expect(f.levelDb[70]).toBeGreaterThan(-3);
    }
  });
});

describe('dtw', () => {
  it('pairs each reference frame with the reading frames that repeat it', () => {
    // The reading says the same sequence with frame 2 held three times and frame 4 dropped into a pause.
    const reference = sequence([0, 5, 9, 5, 0, 7, 2]);
    const reading = sequence([0, 5, 9, 9, 9, 5, 0, 0, 0, 7, 2]);
    const path = dtw(reference, reading, diagonalBand(7, 11, 11));
    expect(Array.from(path.first)).toEqual([0, 1, 2, 5, 6, 9, 10]);
    expect(Array.from(path.last)).toEqual([0, 1, 4, 5, 8, 9, 10]);
    expect(path.total).toBe(0);
  });

  it('finds the same path inside a narrow band around it as with the whole matrix', () => {
    const reference = sequence([1, 3, 8, 3, 1, 6, 6, 2, 9, 4]);
    const reading = sequence([1, 1, 3, 8, 8, 3, 1, 1, 6, 2, 2, 9, 4, 4]);
    const whole = dtw(reference, reading, diagonalBand(10, 14, 14));
    const narrow = dtw(reference, reading, diagonalBand(10, 14, 2));
    expect(bandCells(diagonalBand(10, 14, 2))).toBeLessThan(bandCells(diagonalBand(10, 14, 14)));
    expect(Array.from(narrow.first)).toEqual(Array.from(whole.first));
    expect(narrow.total).toBe(whole.total);
  });

  it('repairs any band into one where a path from corner to corner exists', () => {
    const band = repairBand({ lo: Int32Array.from([5, 0, 9, 2]), hi: Int32Array.from([6, 3, 10, 4]) }, 12);
    expect(band.lo[0]).toBe(0);
    expect(band.hi[3]).toBe(12);
    for (let i = 1; i < 4; i++) {
      expect(band.lo[i]).toBeGreaterThanOrEqual(band.lo[i - 1]!);
      expect(band.lo[i]).toBeLessThanOrEqual(band.hi[i - 1]!);
    }
    const path = dtw(sequence([0, 0, 0, 0]), sequence(Array.from({ length: 12 }, () => 0)), band);
    expect(path.last[3]).toBe(11);
  });
});

describe('warp', () => {
  it('recovers a stretch of a long sequence through its coarse levels', () => {
    // 3000 reference frames of a slow random walk; the reading holds every third frame twice (4000 frames).
    let x = 0;
    const values = Array.from({ length: 3000 }, (_, i) => (x += Math.sin(i * 0.37) * 2 + Math.cos(i * 0.011) * 3));
    const stretched: number[] = [];
    values.forEach((v, i) => {
      stretched.push(v);
      if (i % 3 === 0) stretched.push(v);
    });
    const w = warp(sequence(values), sequence(stretched), { coarsestFrames: 400, factor: 5, coarseShare: 0.3, radius: 10 });
    for (const i of [0, 500, 1500, 2999]) expect(w.first[i]).toBe(i + Math.floor(i / 3) + 1 - (i % 3 === 0 ? 1 : 0));
    // Far fewer cells than the 12 million of the whole matrix.
    expect(w.totalCells).toBeLessThan(1_500_000);
  });
});

describe('speechExtent', () => {
  it('finds where a sentence starts and ends inside leading and trailing silence', () => {
    const signal = new Float32Array(RATE);
    signal.set(tone(300, 0.4), 0.25 * RATE);
    const { start, end } = speechExtent(signal, RATE);
    expect(Math.abs(start - 0.25 * RATE)).toBeLessThanOrEqual(120);
    expect(Math.abs(end - 0.65 * RATE)).toBeLessThanOrEqual(120);
    expect(speechExtent(new Float32Array(1000), RATE)).toEqual({ start: 0, end: 0 });
  });
});

describe('renderReference', () => {
  it('renders every sentence once, in order, with the gap between them, in the book language', async () => {
    const sentences = ['The cat sat on the mat.', '* * *', 'Then it rained for <three> days & nights.', 'Yes!'];
    const rendering = await renderReference(sentences, referenceVoice('en'));
    const [a, stars, b, c] = rendering.spans.map((s) => ({ ...s, ms: ((s.end - s.start) * 1000) / rendering.sampleRate }));
    // Nothing to say: zero-long, where the next sentence starts.
    expect(stars!.ms).toBe(0);
    expect(stars!.start).toBe(b!.start);
    expect(a!.ms).toBeGreaterThan(800);
    // "<three>" and "&" are read as words, not taken as markup: the sentence is long.
    expect(b!.ms).toBeGreaterThan(1500);
    expect(c!.ms).toBeGreaterThan(150);
    expect(c!.ms).toBeLessThan(1000);
    expect(a!.end).toBeLessThan(b!.start);
    expect(b!.end).toBeLessThan(c!.start);
    expect(c!.end).toBeLessThanOrEqual(rendering.samples.length);
  });

  it('names a voice espeak-ng has for the book language, and says when there is none', () => {
    expect(referenceVoice('it')).toEqual({ engine: 'espeak-ng', voice: 'it', speaksLanguage: true });
    expect(referenceVoice('fr-CA').voice).toBe('fr-fr');
    expect(referenceVoice('en-GB').voice).toBe('en-us');
    expect(referenceVoice('tlh').speaksLanguage).toBe(false);
  });
});

describe('judgeAlignment', () => {
  const timing = (startMs: number, endMs: number, referenceMs: number, evidence?: number): SentenceTiming => ({
    startMs,
    endMs,
    confidence: 0.4,
    referenceMs,
    ...(evidence === undefined ? {} : { evidence }),
  });
  const alignment = (sentences: SentenceTiming[], cost = 0.6, speaksLanguage = true): ChunkAlignment => ({
    sentences,
    cost,
    durationMs: 20_000,
    reference: { engine: 'espeak-ng', voice: 'en-us', speaksLanguage },
    work: { renderMs: 0, alignMs: 0, cells: 0 },
  });
  const texts = ['One sentence here.', 'A second one, rather longer than the first.', 'And a third.', 'The end.'];
  // Read 1.2 times as slowly as the reference.
  const good = [timing(300, 1500, 1000, 0.02), timing(1900, 5500, 3000), timing(6000, 7200, 1000, -0.1), timing(7600, 8800, 1000)];

  it('accepts a reading whose sentences all take about the time their text needs', () => {
    expect(judgeAlignment(alignment(good), texts)).toEqual({ ok: true });
  });

  it('rejects a reading where one sentence was squeezed to almost nothing, naming it', () => {
    const squeezed = [...good];
    squeezed[1] = timing(1900, 2100, 3000);
    const verdict = judgeAlignment(alignment(squeezed), texts);
    expect(verdict).toMatchObject({ ok: false, suspect: 'alignment', sentence: 1 });
    expect(!verdict.ok && verdict.reason).toMatch(/sentence 2 \("A second one, rather longer than the first\."\) lasts 0\.20 s .* about 3\.6 s/);
  });

  it('rejects a reading that fits its text better without a sentence (the skip test)', () => {
    const skipped = [...good];
    skipped[2] = timing(6000, 7200, 1000, -0.6);
    const verdict = judgeAlignment(alignment(skipped), texts);
    expect(verdict).toMatchObject({ ok: false, suspect: 'alignment', sentence: 2 });
    expect(!verdict.ok && verdict.reason).toMatch(/sentence 3 \("And a third\."\) seems to be missing/);
  });

  it('takes a weak skip test as missing only when the sentence was also given too little time', () => {
    // A short sentence read slower than its neighbours: a weak skip test, but aligned to its full time.
    const weak = [...good];
    weak[2] = timing(6000, 7200, 1000, -0.49);
    expect(judgeAlignment(alignment(weak), texts)).toEqual({ ok: true });
    // The same test with the sentence squeezed to half its time: missing.
    weak[2] = timing(6000, 6600, 1000, -0.49);
    expect(judgeAlignment(alignment(weak), texts)).toMatchObject({ ok: false, suspect: 'alignment', sentence: 2 });
  });

  it('rejects audio whose alignment costs about as much as unrelated speech', () => {
    const verdict = judgeAlignment(alignment(good, 0.95), texts);
    expect(verdict).toMatchObject({ ok: false, suspect: 'alignment' });
    expect(!verdict.ok && verdict.reason).toMatch(/does not follow the text/);
  });

  it('judges nothing when the reference voice does not speak the language', () => {
    const squeezed = [...good];
    squeezed[1] = timing(1900, 2000, 3000, -2);
    expect(judgeAlignment(alignment(squeezed, 0.99, false), texts)).toEqual({ ok: true });
  });

  it('does not judge the length of a sentence too short to say', () => {
    const short = [...good];
    short[3] = timing(7600, 7620, 200);
    expect(judgeAlignment(alignment(short), texts)).toEqual({ ok: true });
  });
});
