import { ABSOLUTE_GATE_LUFS, LRA_RELATIVE_GATE_LU, RELATIVE_GATE_LU, lufsToPower, powerToDb, powerToLufs, type Loudness, type LoudnessMeter } from './loudness-meter.js';

/**
 * A loudness measurement that merges: what a LoudnessMeter gathered over one piece of a longer
 * signal (a part of a book), small enough to travel in a job's result (a few KB for minutes of
 * speech), merged into the whole's EBU R128 figures without reading the audio again.
 *
 * Block powers are kept as histograms in 0.1 LU bins, each bin with its count and its exact power
 * sum: the integrated loudness is the exact energy mean of the kept blocks, up to the one bin the
 * relative gate falls in (hundredths of a LU on speech), and the loudness range's percentiles are
 * read to the bin (0.1 LU, the precision ffmpeg prints). Blocks that would straddle the join of two
 * pieces are not measured; a book's parts begin and end in pauses, where such blocks hold nothing
 * the gates keep. JSON-safe: a level with nothing to measure is null, never -Infinity.
 */
export interface LoudnessSummary {
  /** 400 ms blocks above the absolute gate: [bin, count, power sum], bin = floor(LUFS·10). */
  momentary: [number, number, number][];
  /** 3 s short-term windows above the absolute gate, the same way. */
  shortTerm: [number, number, number][];
  /** dBTP; null for digital silence. */
  truePeak: number | null;
  /** dBFS; null for digital silence. */
  samplePeak: number | null;
  /** Sum of squares of the samples, and their count: the RMS, exactly. */
  sumSquares: number;
  samples: number;
  /** Mean power of the quietest 500 ms window; null for a piece shorter than that. */
  quietest: number | null;
}

const BINS_PER_LU = 10;
const finite = (v: number) => (Number.isFinite(v) ? v : null);

/** The summary of what `meter` has been fed. */
export function summarizeLoudness(meter: LoudnessMeter): LoudnessSummary {
  const b = meter.blocks();
  return {
    momentary: histogram(b.momentary),
    shortTerm: histogram(b.shortTerm),
    truePeak: finite(b.truePeak),
    samplePeak: finite(b.samplePeak),
    sumSquares: b.sumSquares,
    samples: b.samples,
    quietest: finite(b.quietest),
  };
}

/** Block powers above the absolute gate, binned: each block is a bin of one, merged with its neighbours. */
function histogram(powers: readonly number[]): [number, number, number][] {
  const absolute = lufsToPower(ABSOLUTE_GATE_LUFS);
  return mergeHistograms([powers.filter((p) => p > absolute).map((p): [number, number, number] => [Math.floor(powerToLufs(p) * BINS_PER_LU), 1, p])]);
}

/** Several pieces' summaries as one, as if the pieces had been measured back to back. Pure. */
export function mergeLoudnessSummaries(pieces: readonly LoudnessSummary[]): LoudnessSummary {
  const maxOf = (values: (number | null)[]) => values.reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.max(m, v)), null);
  const minOf = (values: (number | null)[]) => values.reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.min(m, v)), null);
  return {
    momentary: mergeHistograms(pieces.map((p) => p.momentary)),
    shortTerm: mergeHistograms(pieces.map((p) => p.shortTerm)),
    truePeak: maxOf(pieces.map((p) => p.truePeak)),
    samplePeak: maxOf(pieces.map((p) => p.samplePeak)),
    sumSquares: pieces.reduce((s, p) => s + p.sumSquares, 0),
    samples: pieces.reduce((s, p) => s + p.samples, 0),
    quietest: minOf(pieces.map((p) => p.quietest)),
  };
}

function mergeHistograms(lists: readonly (readonly [number, number, number][])[]): [number, number, number][] {
  const bins = new Map<number, [number, number, number]>();
  for (const list of lists) {
    for (const [bin, count, sum] of list) {
      const entry = bins.get(bin);
      if (entry) {
        entry[1] += count;
        entry[2] += sum;
      } else bins.set(bin, [bin, count, sum]);
    }
  }
  return [...bins.values()].sort((a, b) => a[0] - b[0]);
}

/** Bins within `relativeLu` of the mean power of all of them (bins are above the absolute gate already). */
function gateBins(bins: readonly [number, number, number][], relativeLu: number): [number, number, number][] {
  const count = bins.reduce((n, b) => n + b[1], 0);
  if (count === 0) return [];
  const mean = bins.reduce((s, b) => s + b[2], 0) / count;
  const threshold = mean * 10 ** (relativeLu / 10);
  // A bin is on one side of the gate as a whole, judged by its own mean power.
  return bins.filter((b) => b[2] / b[1] > threshold);
}

/** The EBU R128 figures of a (merged) summary, as LoudnessMeter.result() gives them for one piece. Pure. */
export function loudnessOfSummary(s: LoudnessSummary): Loudness {
  const kept = gateBins(s.momentary, RELATIVE_GATE_LU);
  const blocks = kept.reduce((n, b) => n + b[1], 0);
  const power = blocks > 0 ? kept.reduce((sum, b) => sum + b[2], 0) / blocks : 0;
  return {
    integrated: powerToLufs(power),
    lra: rangeOf(gateBins(s.shortTerm, LRA_RELATIVE_GATE_LU)),
    truePeak: s.truePeak ?? -Infinity,
    samplePeak: s.samplePeak ?? -Infinity,
    rms: s.samples > 0 ? powerToDb(s.sumSquares / s.samples) : -Infinity,
    noiseFloor: s.quietest !== null ? powerToDb(s.quietest) : s.samples > 0 ? powerToDb(s.sumSquares / s.samples) : -Infinity,
    gatedBlocks: blocks,
    gatedPower: power,
    sumSquares: s.sumSquares,
    samples: s.samples,
  };
}

/** EBU Tech 3342's spread between the 10th and 95th percentile, read from gated bins (each at its mean level). */
function rangeOf(bins: readonly [number, number, number][]): number {
  const n = bins.reduce((c, b) => c + b[1], 0);
  if (n === 0) return 0;
  const at = (q: number): number => {
    const rank = Math.min(n - 1, Math.round((n - 1) * q));
    let seen = 0;
    for (const [, count, sum] of bins) {
      seen += count;
      if (rank < seen) return powerToLufs(sum / count);
    }
    return powerToLufs(bins[bins.length - 1]![2] / bins[bins.length - 1]![1]);
  };
  return at(0.95) - at(0.1);
}
