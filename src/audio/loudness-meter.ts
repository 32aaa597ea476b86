import { kWeighting, type Biquad } from './k-weighting.js';
import { TruePeakMeter } from './true-peak-meter.js';

/** What an EBU R128 measurement of some audio says. Levels in dB; -Infinity where there is nothing to measure. */
export interface Loudness {
  /** Gated integrated loudness, LUFS (absolute gate -70 LUFS, relative gate -10 LU). */
  integrated: number;
  /** Loudness range, LU (short-term 3 s loudness, gates -70 LUFS and -20 LU, 10th to 95th percentile). */
  lra: number;
  /** True peak, dBTP (4× oversampled). */
  truePeak: number;
  /** Largest sample, dBFS. */
  samplePeak: number;
  /** Unweighted RMS over every sample, dBFS (a full-scale sine is -3 dB): what ACX calls RMS. */
  rms: number;
  /** RMS of the quietest 500 ms window, dBFS: ACX's noise floor. */
  noiseFloor: number;
  /**
   * Gated 400 ms blocks and their mean K-weighted power: enough to combine the integrated
   * loudness of several pieces (by energy) without reading them again.
   */
  gatedBlocks: number;
  gatedPower: number;
  /** Sum of squares of the samples and their count: combines pieces' RMS exactly. */
  sumSquares: number;
  samples: number;
}

/** Added to every sample the K-weighting filters see, so their states never become subnormal numbers. */
const DENORMAL_GUARD = 1e-20;

export const ABSOLUTE_GATE_LUFS = -70;
export const RELATIVE_GATE_LU = -10;
export const LRA_RELATIVE_GATE_LU = -20;

/** BS.1770 loudness of a mean power (one channel, weight 1). */
export function powerToLufs(power: number): number {
  return power > 0 ? -0.691 + 10 * Math.log10(power) : -Infinity;
}

/** The mean power a loudness in LUFS stands for. */
export function lufsToPower(lufs: number): number {
  return Number.isFinite(lufs) ? 10 ** ((lufs + 0.691) / 10) : 0;
}

/**
 * EBU R128 / ITU-R BS.1770-4 meter for mono PCM, fed in pieces of any size so a file of any
 * length is measured in constant memory (one number per 100 ms is kept for the gating).
 * K-weighting, 400 ms momentary blocks every 100 ms (75% overlap), absolute and relative gates,
 * the loudness range over 3 s short-term blocks, and a 4× oversampled true peak.
 */
export class LoudnessMeter {
  private readonly filters: [Biquad, Biquad];
  private readonly state = new Float64Array(4);
  private readonly subBlock: number;
  private readonly truePeak: TruePeakMeter;
  private readonly scratch: Float64Array;
  /** K-weighted sum of squares of each finished 100 ms sub-block (ring of the last 30). */
  private readonly ring = new Float64Array(30);
  private subBlocks = 0;
  private subSum = 0;
  private subRaw = 0;
  private subCount = 0;
  /** Unweighted energy of the last five sub-blocks: the 500 ms noise-floor window. */
  private readonly rawRing = new Float64Array(5);
  private quietest = Infinity;
  private momentary: number[] = [];
  private shortTerm: number[] = [];
  private sumSquares = 0;
  private samples = 0;
  private samplePeak = 0;

  constructor(readonly sampleRate: number) {
    this.filters = kWeighting(sampleRate);
    this.subBlock = Math.round(sampleRate / 10);
    this.truePeak = new TruePeakMeter(4);
    this.scratch = new Float64Array(4096);
  }

  /** Feeds signed 16-bit little-endian mono PCM (whole samples; an odd trailing byte is ignored). */
  pushPcm16(data: Buffer): void {
    const count = data.length >> 1;
    // A typed view needs an even byte offset (and a little-endian host, which every Node target is).
    const pcm = data.byteOffset % 2 === 0 ? new Int16Array(data.buffer, data.byteOffset, count) : new Int16Array(Buffer.from(data.subarray(0, count * 2)).buffer, 0, count);
    for (let start = 0; start < count; start += this.scratch.length) {
      const n = Math.min(this.scratch.length, count - start);
      for (let i = 0; i < n; i++) this.scratch[i] = pcm[start + i]! / 32768;
      this.push(this.scratch, n);
    }
  }

  /** Feeds 32-bit float little-endian mono PCM (a decoder's output, overs above full scale kept). */
  pushFloat32(data: Buffer): void {
    const count = data.length >> 2;
    const pcm = data.byteOffset % 4 === 0 ? new Float32Array(data.buffer, data.byteOffset, count) : new Float32Array(Buffer.from(data.subarray(0, count * 4)).buffer, 0, count);
    for (let start = 0; start < count; start += this.scratch.length) {
      const n = Math.min(this.scratch.length, count - start);
      for (let i = 0; i < n; i++) this.scratch[i] = pcm[start + i]!;
      this.push(this.scratch, n);
    }
  }

  /** Feeds samples in [-1, 1]. */
  push(samples: Float64Array, count = samples.length): void {
    this.truePeak.push(samples, count);
    const [f1, f2] = this.filters;
    // Two direct-form-II-transposed biquads in a row; their state lives in this.state between calls.
    // Each output waits on the one before it: the terms are summed so that wait is a multiply, a
    // subtract and an add (JavaScript adds in the order written), not the four operations of
    // `b1 - a1·y + state` in that order. Direct form I shortens the wait further on paper, but its six
    // states spill out of the CPU's registers: measured slower here.
    const s = this.state;
    let a1 = s[0]!;
    let a2 = s[1]!;
    let b1 = s[2]!;
    let b2 = s[3]!;
    let peak = this.samplePeak;
    let subSum = this.subSum;
    let subRaw = this.subRaw;
    let subCount = this.subCount;
    const subBlock = this.subBlock;
    const { b0: p0, b1: p1, b2: p2, a1: q1, a2: q2 } = f1;
    const { b0: r0, b1: r1, b2: r2, a1: s1, a2: s2 } = f2;
    for (let i = 0; i < count; i++) {
      const x = samples[i]!;
      const ax = x < 0 ? -x : x;
      if (ax > peak) peak = ax;
      // The filters see the sample plus a -400 dB offset: in digital silence (a pause of the offline
      // voice) their states would otherwise decay into subnormal numbers, on which the CPU computes
      // up to ten times slower (measured: a signal with 1 s pauses metered 7x slower than noise).
      // The high-pass stage removes the offset, and it is far below anything the gates keep.
      const xf = x + DENORMAL_GUARD;
      const u = p0 * xf + a1;
      a1 = p1 * xf + a2 - q1 * u;
      a2 = p2 * xf - q2 * u;
      const v = r0 * u + b1;
      b1 = r1 * u + b2 - s1 * v;
      b2 = r2 * u - s2 * v;
      subSum += v * v;
      subRaw += x * x;
      if (++subCount === subBlock) {
        this.endSubBlock(subSum, subRaw, subCount);
        subSum = 0;
        subRaw = 0;
        subCount = 0;
      }
    }
    this.subSum = subSum;
    this.subRaw = subRaw;
    this.subCount = subCount;
    this.samplePeak = peak;
    s[0] = a1;
    s[1] = a2;
    s[2] = b1;
    s[3] = b2;
  }

  private endSubBlock(subSum: number, subRaw: number, subCount: number): void {
    const n = this.subBlocks++;
    this.ring[n % 30] = subSum;
    this.rawRing[n % 5] = subRaw;
    this.sumSquares += subRaw;
    this.samples += subCount;
    if (n >= 3) {
      let sum = 0;
      for (let k = n - 3; k <= n; k++) sum += this.ring[k % 30]!;
      this.momentary.push(sum / (4 * this.subBlock));
    }
    if (n >= 29) {
      let sum = 0;
      for (let k = 0; k < 30; k++) sum += this.ring[k]!;
      this.shortTerm.push(sum / (30 * this.subBlock));
    }
    if (n >= 4) {
      let raw = 0;
      for (let k = 0; k < 5; k++) raw += this.rawRing[k]!;
      this.quietest = Math.min(this.quietest, raw / (5 * this.subBlock));
    }
  }

  /**
   * What the meter has gathered, before gating: every 400 ms block's and 3 s window's K-weighted
   * mean power, the peaks, the sum of squares and the quietest 500 ms window. Pieces of a longer
   * signal measured apart merge from these (loudness-summary.ts).
   */
  blocks(): { momentary: readonly number[]; shortTerm: readonly number[]; truePeak: number; samplePeak: number; sumSquares: number; samples: number; quietest: number } {
    return {
      momentary: this.momentary,
      shortTerm: this.shortTerm,
      truePeak: this.truePeak.dbtp,
      samplePeak: toDb(this.samplePeak),
      sumSquares: this.sumSquares + this.subRaw,
      samples: this.samples + this.subCount,
      quietest: this.quietest,
    };
  }

  /** The measurement of everything fed so far (a trailing part of a 100 ms sub-block counts for peaks and RMS only). */
  result(): Loudness {
    const sumSquares = this.sumSquares + this.subRaw;
    const samples = this.samples + this.subCount;
    const { blocks, power } = gate(this.momentary, RELATIVE_GATE_LU);
    return {
      integrated: powerToLufs(power),
      lra: loudnessRange(this.shortTerm),
      truePeak: this.truePeak.dbtp,
      samplePeak: toDb(this.samplePeak),
      rms: samples > 0 ? powerToDb(sumSquares / samples) : -Infinity,
      noiseFloor: Number.isFinite(this.quietest) ? powerToDb(this.quietest) : samples > 0 ? powerToDb(sumSquares / samples) : -Infinity,
      gatedBlocks: blocks,
      gatedPower: power,
      sumSquares,
      samples,
    };
  }
}

/** Blocks above the absolute gate and within `relativeLu` of their mean: how many, and their mean power. */
function gate(powers: readonly number[], relativeLu: number): { blocks: number; power: number; kept: number[] } {
  const absolute = lufsToPower(ABSOLUTE_GATE_LUFS);
  const loud = powers.filter((p) => p > absolute);
  if (loud.length === 0) return { blocks: 0, power: 0, kept: [] };
  const mean = loud.reduce((a, b) => a + b, 0) / loud.length;
  const relative = mean * 10 ** (relativeLu / 10);
  const kept = loud.filter((p) => p > relative);
  return { blocks: kept.length, power: kept.length ? kept.reduce((a, b) => a + b, 0) / kept.length : 0, kept };
}

/** EBU Tech 3342: spread between the 10th and 95th percentile of gated short-term loudness. */
function loudnessRange(shortTerm: readonly number[]): number {
  const { kept } = gate(shortTerm, LRA_RELATIVE_GATE_LU);
  if (kept.length === 0) return 0;
  const levels = kept.map(powerToLufs).sort((a, b) => a - b);
  const at = (q: number) => levels[Math.min(levels.length - 1, Math.round((levels.length - 1) * q))]!;
  return at(0.95) - at(0.1);
}

function toDb(linear: number): number {
  return linear > 0 ? 20 * Math.log10(linear) : -Infinity;
}

/** dB of a mean power (-Infinity for none). */
export function powerToDb(power: number): number {
  return power > 0 ? 10 * Math.log10(power) : -Infinity;
}

/**
 * Integrated loudness of pieces measured apart, each scaled by a gain in dB, as if measured
 * together: the energy mean of their gated blocks. The relative gate is applied per piece rather
 * than over the whole, which for speech at one level differs by hundredths of a LU.
 */
export function combinedLoudness(pieces: { gatedBlocks: number; gatedPower: number; gainDb?: number }[]): number {
  let blocks = 0;
  let energy = 0;
  for (const p of pieces) {
    blocks += p.gatedBlocks;
    energy += p.gatedBlocks * p.gatedPower * 10 ** ((p.gainDb ?? 0) / 10);
  }
  return blocks > 0 ? powerToLufs(energy / blocks) : -Infinity;
}
