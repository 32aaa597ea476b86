import type { ChunkAlignment, SentenceTiming } from './chunk-alignment.js';
import { frameDistance } from './dtw.js';
import { DEFAULT_FEATURES, mfcc, type FeatureOptions, type Features } from './mfcc.js';
import type { ReferenceRendering } from './render-reference.js';
import { DEFAULT_WARP, warp, type WarpOptions } from './warp.js';

/** Everything the aligner can be tuned with; the defaults are what the bench measured. */
export interface AlignOptions {
  features: FeatureOptions;
  warp: WarpOptions;
  /** How many of the worst-fitting sentences get the skip test (each costs one more warp). Default 3. */
  suspects: number;
}

export const DEFAULT_ALIGN: Readonly<AlignOptions> = Object.freeze({ features: DEFAULT_FEATURES, warp: DEFAULT_WARP, suspects: 3 });

/** Pairs of frames sampled to measure how far apart unrelated speech is in these two signals. */
const BASELINE_PAIRS = 4096;

/** The alignment of a reading with a reference rendering, without `reference` and `work` (the caller knows those). */
export type Aligned = Pick<ChunkAlignment, 'sentences' | 'cost' | 'durationMs'> & { cells: number };

/**
 * Aligns a reading (mono samples at any rate) with the reference rendering of its sentences: MFCCs
 * of both, a multi-resolution DTW between them, and each sentence's reference span carried through
 * the path onto the reading. Pure and synchronous.
 */
export function alignToReference(reading: ArrayLike<number>, sampleRate: number, reference: ReferenceRendering, options: AlignOptions = DEFAULT_ALIGN): Aligned {
  const ref = mfcc(reference.samples, reference.sampleRate, options.features);
  const read = mfcc(reading, sampleRate, options.features);
  const durationMs = (reading.length * 1000) / sampleRate;
  if (ref.count === 0 || read.count === 0) {
    return { sentences: reference.spans.map(() => ({ startMs: 0, endMs: 0, confidence: 0, referenceMs: 0 })), cost: 1, durationMs, cells: 0 };
  }
  const path = warp(ref, read, options.warp);
  const baseline = unrelatedDistance(ref, read);
  const silent = pauses(read.levelDb);
  const refHop = (ref.hopMs * reference.sampleRate) / 1000;
  const sentences = reference.spans.map((span): SentenceTiming => {
    const from = Math.min(ref.count - 1, Math.round(span.start / refHop));
    const to = Math.min(ref.count, Math.max(from + 1, Math.round(span.end / refHop)));
    let cost = 0;
    let cells = 0;
    for (let i = from; i < to; i++) {
      cost += path.rowCost[i]!;
      cells += path.rowCells[i]!;
    }
    const empty = span.end <= span.start;
    // A sentence neither starts nor ends in silence: the ends of the path that fall in a pause of the
    // reading move to the speech beside it (a quiet onset, a "d" or "b", warps as easily onto the pause before it).
    let first = path.first[from]!;
    let last = path.last[to - 1]!;
    while (first < last && silent[first] === 1) first++;
    while (last > first && silent[last] === 1) last--;
    const startMs = first * read.hopMs;
    const endMs = empty ? startMs : (last + 1) * read.hopMs;
    return {
      startMs,
      endMs: Math.min(durationMs, endMs),
      confidence: empty ? 1 : clamp01(1 - cost / Math.max(1, cells) / baseline),
      referenceMs: ((span.end - span.start) * 1000) / reference.sampleRate,
    };
  });
  // The sentences that fit worst get the skip test (missingEvidence); the rest fit too well to be missing.
  const suspects = sentences
    .map((t, k) => ({ k, confidence: t.confidence, spoken: reference.spans[k]!.end > reference.spans[k]!.start }))
    .filter((x) => x.spoken)
    .sort((a, b) => a.confidence - b.confidence)
    .slice(0, reference.spans.length > 1 ? options.suspects : 0);
  let cells = path.totalCells;
  for (const { k } of suspects) {
    const test = missingEvidence(ref, read, reference, k, path.total, baseline, options.warp);
    sentences[k]!.evidence = test.evidence;
    cells += test.cells;
  }
  return { sentences, cost: path.total / Math.max(1, path.steps) / baseline, durationMs, cells };
}

/** Below this level relative to the loudest frame a frame is silent, however noisy the room. */
const SILENT_DB = -50;
/** ... and above this it is speech, however quiet the room: room noise is taken as the quietest 5% of frames, plus this margin. */
const SPEECH_DB = -30;
const NOISE_MARGIN_DB = 12;

/** 1 for each frame of a pause: quieter than the room's noise (its quietest frames) by less than a margin. */
function pauses(levelDb: Float32Array): Uint8Array {
  const sorted = Float32Array.from(levelDb).sort();
  const noise = sorted[Math.floor(0.05 * (sorted.length - 1))] ?? -Infinity;
  const threshold = Math.min(SPEECH_DB, Math.max(SILENT_DB, noise + NOISE_MARGIN_DB));
  return Uint8Array.from(levelDb, (db) => (db < threshold ? 1 : 0));
}

/**
 * The skip test: warps the reading again onto the reference without sentence k (and one pause), and
 * returns how much the path's cost rises per reference frame left out, in units of the unrelated
 * distance. A sentence the reading says costs more to leave out (its audio must then be matched with
 * its neighbours or a pause): the rise is about zero or above. A sentence missing from the reading
 * makes the full path squeeze or borrow audio for it, which leaving it out saves: the rise is negative.
 * Self-calibrating, unlike a sentence's own cost, which varies with the voice.
 */
function missingEvidence(ref: Features, read: Features, reference: ReferenceRendering, k: number, fullCost: number, baseline: number, options: WarpOptions): { evidence: number; cells: number } {
  const spans = reference.spans;
  const refHop = (ref.hopMs * reference.sampleRate) / 1000;
  const last = k === spans.length - 1;
  const from = Math.round((last ? spans[k - 1]!.end : spans[k]!.start) / refHop);
  const to = Math.min(ref.count, Math.round((last ? spans[k]!.end : spans[k + 1]!.start) / refHop));
  if (to <= from) return { evidence: 0, cells: 0 };
  const skip = warp(withoutRows(ref, from, to), read, options);
  return { evidence: (skip.total - fullCost) / ((to - from) * baseline), cells: skip.totalCells };
}

/** The features without rows from .. to-1. */
function withoutRows(f: Features, from: number, to: number): Features {
  const frames = new Float32Array((f.count - (to - from)) * f.dims);
  frames.set(f.frames.subarray(0, from * f.dims), 0);
  frames.set(f.frames.subarray(to * f.dims), from * f.dims);
  return { frames, count: f.count - (to - from), dims: f.dims, hopMs: f.hopMs, levelDb: f.levelDb };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Mean distance between frames of the two signals paired at random (a fixed sequence, so results repeat). */
function unrelatedDistance(a: Features, b: Features): number {
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let sum = 0;
  for (let k = 0; k < BASELINE_PAIRS; k++) sum += frameDistance(a, Math.floor(next() * a.count), b, Math.floor(next() * b.count));
  return Math.max(1e-9, sum / BASELINE_PAIRS);
}
