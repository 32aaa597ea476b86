import { bandCells, diagonalBand, repairBand, type Band } from './band.js';
import { dtw, type WarpPath } from './dtw.js';
import type { Features } from './mfcc.js';

/** How the multi-resolution warp narrows its search; every field has the default the aligner uses. */
export interface WarpOptions {
  /** The coarsest level has at most this many frames in either signal. Default 1600 (80 s at 50 ms). */
  coarsestFrames: number;
  /** Each level's frames are this many of the next finer level's, averaged. Default 5. */
  factor: number;
  /** At the coarsest level, the band reaches this share of the longer signal either side of the diagonal. Default 0.3. */
  coarseShare: number;
  /** At every finer level, the band reaches this many frames either side of the coarser path. Default 40. */
  radius: number;
  /**
   * Signals longer than this many frames are warped at two levels at least, however few their frames.
   * Default 500 (5 s at 10 ms): a chunk of 13 s warped at 10 ms alone filled a band of 30% either side,
   * four times the cells per minute of a 60 s chunk, which the coarse level narrows first. Unset: only coarsestFrames decides.
   */
  fineOnlyFrames?: number;
}

export const DEFAULT_WARP: Readonly<WarpOptions> = Object.freeze({ coarsestFrames: 1600, factor: 5, coarseShare: 0.3, radius: 40, fineOnlyFrames: 500 });

/** A warp path at the finest level, and the cells computed over all levels (the work, and the peak memory at 4 bytes each). */
export interface Warp extends WarpPath {
  totalCells: number;
  peakCells: number;
}

/**
 * Multi-resolution DTW (as in FastDTW and echogarden): warp averaged frames first, where a whole
 * chunk is a small matrix, then at each finer level only a band around the coarser path. Work and
 * memory grow with the length of the chunk, not its square.
 */
export function warp(reference: Features, reading: Features, options: WarpOptions = DEFAULT_WARP): Warp {
  const longest = Math.max(reference.count, reading.count);
  const factors = [1];
  while (longest / factors[0]! > options.coarsestFrames) factors.unshift(factors[0]! * options.factor);
  if (factors.length === 1 && options.fineOnlyFrames !== undefined && longest > options.fineOnlyFrames) factors.unshift(options.factor);
  let path: WarpPath | undefined;
  let previous = 1;
  let totalCells = 0;
  let peakCells = 0;
  for (const f of factors) {
    const a = average(reference, f);
    const b = average(reading, f);
    let band: Band;
    if (path === undefined) {
      band = diagonalBand(a.count, b.count, Math.ceil(options.coarseShare * Math.max(a.count, b.count)));
    } else {
      band = project(path, previous / f, a.count, b.count, options.radius);
    }
    path = dtw(a, b, band);
    totalCells += path.cells;
    peakCells = Math.max(peakCells, bandCells(band));
    previous = f;
  }
  return { ...path!, totalCells, peakCells };
}

/** Every `f` frames averaged into one (f = 1: the features themselves). */
function average(features: Features, f: number): Features {
  if (f === 1) return features;
  const { dims } = features;
  const count = Math.ceil(features.count / f);
  const frames = new Float32Array(count * dims);
  for (let k = 0; k < count; k++) {
    const from = k * f;
    const to = Math.min(features.count, from + f);
    for (let t = from; t < to; t++) {
      for (let d = 0; d < dims; d++) frames[k * dims + d] = frames[k * dims + d]! + features.frames[t * dims + d]! / (to - from);
    }
  }
  return { frames, count, dims, hopMs: features.hopMs * f, levelDb: new Float32Array(count) };
}

/** The band at a level `k` times finer than `path`'s: the cells under the coarse path, widened by `radius`. */
function project(path: WarpPath, k: number, rows: number, columns: number, radius: number): Band {
  const lo = new Int32Array(rows);
  const hi = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const coarse = Math.min(path.first.length - 1, Math.floor(i / k));
    lo[i] = path.first[coarse]! * k - radius;
    hi[i] = (path.last[coarse]! + 1) * k + radius;
  }
  return repairBand({ lo, hi }, columns);
}
