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

/** Samples measured per pass (16-bit PCM and float PCM are copied into a block of this size). */
const BLOCK = 4096;

/**
 * Where each block of 16-bit samples is copied before it is measured, shared by every meter (the
 * loops run to the end without awaiting, so no two use it at once). Why a copy: V8 compiles a loop
 * over a typed array held in a module constant with the array's address and length built in, and
 * one over an array passed in (a view of each piece of a reply) to fetch them on every read:
 * measured, the K-weighting ran 1.6x slower on the passed-in view than on this copy, memcpy included.
 */
const PCM16_BLOCK = new Int16Array(BLOCK);
const PCM16_BYTES = new Uint8Array(PCM16_BLOCK.buffer);
/** The same for float PCM (pushFloat32). */
const FLOAT_BLOCK = new Float64Array(BLOCK);

/** Where LoudnessMeter keeps its sums in its state array (after the filters' four states). */
const SUB_SUM = 4;
const SUB_RAW = 5;
const SUM_SQUARES = 6;

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
  /**
   * The filters' four states, then the current sub-block's K-weighted and unweighted sums of
   * squares, then the sum of squares of the finished sub-blocks. In a typed array, not fields: a
   * field first set to 0 (an integer to V8) and then to a fraction changes the object's shape, and
   * V8 threw the compiled filter loop away again and again (`node --trace-deopt`: "wrong map").
   */
  private readonly state = new Float64Array(7);
  private readonly subBlock: number;
  private readonly truePeak: TruePeakMeter;
  /** K-weighted sum of squares of each finished 100 ms sub-block (ring of the last 30). */
  private readonly ring = new Float64Array(30);
  private subBlocks = 0;
  private subCount = 0;
  /** Unweighted energy of the last five sub-blocks: the 500 ms noise-floor window. */
  private readonly rawRing = new Float64Array(5);
  private quietest = Infinity;
  private momentary: number[] = [];
  private shortTerm: number[] = [];
  private samples = 0;

  constructor(readonly sampleRate: number) {
    this.filters = kWeighting(sampleRate);
    const hp = this.filters[1];
    // The filter loops write this numerator out (see filter()).
    if (hp.b0 !== 1 || hp.b1 !== -2 || hp.b2 !== 1) throw new Error('LoudnessMeter: the K-weighting high-pass numerator is not 1, -2, 1');
    this.subBlock = Math.round(sampleRate / 10);
    this.truePeak = new TruePeakMeter(4);
  }

  /** Feeds signed 16-bit little-endian mono PCM (whole samples; an odd trailing byte is ignored). */
  pushPcm16(data: Buffer): void {
    const count = data.length >> 1;
    for (let at = 0; at < count; at += BLOCK) {
      const n = Math.min(BLOCK, count - at);
      // Copied as bytes (any alignment, a memcpy) into the block the loops read: see PCM16_BLOCK.
      PCM16_BYTES.set(data.subarray(at * 2, (at + n) * 2));
      this.truePeak.pushPcm16(PCM16_BLOCK, n);
      for (let done = 0; done < n; ) {
        const m = Math.min(n - done, this.subBlock - this.subCount);
        this.filterPcm16(done, done + m);
        this.afterFilter(m);
        done += m;
      }
    }
  }

  /** Feeds 32-bit float little-endian mono PCM (a decoder's output, overs above full scale kept). */
  pushFloat32(data: Buffer): void {
    const count = data.length >> 2;
    const pcm = data.byteOffset % 4 === 0 ? new Float32Array(data.buffer, data.byteOffset, count) : new Float32Array(Buffer.from(data.subarray(0, count * 4)).buffer, 0, count);
    for (let start = 0; start < count; start += BLOCK) {
      const n = Math.min(BLOCK, count - start);
      FLOAT_BLOCK.set(pcm.subarray(start, start + n));
      this.push(FLOAT_BLOCK, n);
    }
  }

  /** Feeds samples in [-1, 1]. */
  push(samples: Float64Array, count = samples.length): void {
    this.truePeak.push(samples, count);
    for (let at = 0; at < count; ) {
      const n = Math.min(count - at, this.subBlock - this.subCount);
      this.filter(samples, at, at + n);
      this.afterFilter(n);
      at += n;
    }
  }

  /**
   * K-weights samples[from .. to), which end at or before the current 100 ms sub-block's end, into
   * its sums (the caller closes the sub-block when they fill it). The loop has no call and no
   * sub-block test inside, which lets the compiler keep the filters' states in registers.
   */
  private filter(samples: Float64Array, from: number, to: number): void {
    // Not `const [f1, f2] = this.filters`: array destructuring (the iterator protocol) in this
    // function made V8 compile the loop below 1.6x slower (measured).
    const f1 = this.filters[0];
    const f2 = this.filters[1];
    // Two direct-form-II-transposed biquads in a row; their state lives in this.state between calls.
    // Each output waits on the one before it: the terms are summed so that wait is a multiply, a
    // subtract and an add (JavaScript adds in the order written), not the four operations of
    // `b1 - a1·y + state` in that order. Direct form I shortens the wait further on paper, but its six
    // states spill out of the CPU's registers: measured slower here. The high-pass's numerator is
    // 1, -2, 1 at every rate (k-weighting.ts): written out, as multiplying by them is exact, which
    // saves three registers and three multiplies. The sample peak is not taken here but in the true
    // peak's scan, which looks at every sample anyway: one more compare in this loop cost a quarter of it.
    const s = this.state;
    let a1 = s[0]!;
    let a2 = s[1]!;
    let b1 = s[2]!;
    let b2 = s[3]!;
    let subSum = s[SUB_SUM]!;
    let subRaw = s[SUB_RAW]!;
    const { b0: p0, b1: p1, b2: p2, a1: q1, a2: q2 } = f1;
    const { a1: s1, a2: s2 } = f2;
    for (let i = from; i < to; i++) {
      const x = samples[i]!;
      // The filters see the sample plus a -400 dB offset: in digital silence (a pause of the offline
      // voice) their states would otherwise decay into subnormal numbers, on which the CPU computes
      // up to ten times slower (measured: a signal with 1 s pauses metered 7x slower than noise).
      // The high-pass stage removes the offset, and it is far below anything the gates keep.
      const xf = x + DENORMAL_GUARD;
      const u = p0 * xf + a1;
      a1 = p1 * xf + a2 - q1 * u;
      a2 = p2 * xf - q2 * u;
      const v = u + b1;
      b1 = -2 * u + b2 - s1 * v;
      b2 = u - s2 * v;
      subSum += v * v;
      subRaw += x * x;
    }
    s[0] = a1;
    s[1] = a2;
    s[2] = b1;
    s[3] = b2;
    s[SUB_SUM] = subSum;
    s[SUB_RAW] = subRaw;
  }

  /**
   * filter() over 16-bit samples: each is divided by 32768 (exact) where it is read, so the figures
   * are push()'s of the same samples as floats, bit for bit. A second copy of the loop so that each
   * reads one kind of typed array (a loop fed both is compiled to check the kind on every read).
   */
  private filterPcm16(from: number, to: number): void {
    const samples = PCM16_BLOCK;
    const f1 = this.filters[0];
    const f2 = this.filters[1];
    const s = this.state;
    let a1 = s[0]!;
    let a2 = s[1]!;
    let b1 = s[2]!;
    let b2 = s[3]!;
    let subSum = s[SUB_SUM]!;
    let subRaw = s[SUB_RAW]!;
    const { b0: p0, b1: p1, b2: p2, a1: q1, a2: q2 } = f1;
    const { a1: s1, a2: s2 } = f2;
    for (let i = from; i < to; i++) {
      const x = samples[i]! / 32768;
      const xf = x + DENORMAL_GUARD;
      const u = p0 * xf + a1;
      a1 = p1 * xf + a2 - q1 * u;
      a2 = p2 * xf - q2 * u;
      const v = u + b1;
      b1 = -2 * u + b2 - s1 * v;
      b2 = u - s2 * v;
      subSum += v * v;
      subRaw += x * x;
    }
    s[0] = a1;
    s[1] = a2;
    s[2] = b1;
    s[3] = b2;
    s[SUB_SUM] = subSum;
    s[SUB_RAW] = subRaw;
  }

  /** Counts a filter pass's samples, and closes the sub-block when the pass filled it. */
  private afterFilter(count: number): void {
    const subCount = this.subCount + count;
    if (subCount === this.subBlock) {
      const s = this.state;
      this.endSubBlock(s[SUB_SUM]!, s[SUB_RAW]!, subCount);
      s[SUB_SUM] = 0;
      s[SUB_RAW] = 0;
      this.subCount = 0;
    } else this.subCount = subCount;
  }

  private endSubBlock(subSum: number, subRaw: number, subCount: number): void {
    const n = this.subBlocks++;
    this.ring[n % 30] = subSum;
    this.rawRing[n % 5] = subRaw;
    this.state[SUM_SQUARES] = this.state[SUM_SQUARES]! + subRaw;
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
      samplePeak: toDb(this.truePeak.sampleLinear),
      sumSquares: this.state[SUM_SQUARES]! + this.state[SUB_RAW]!,
      samples: this.samples + this.subCount,
      quietest: this.quietest,
    };
  }

  /** The measurement of everything fed so far (a trailing part of a 100 ms sub-block counts for peaks and RMS only). */
  result(): Loudness {
    const sumSquares = this.state[SUM_SQUARES]! + this.state[SUB_RAW]!;
    const samples = this.samples + this.subCount;
    const { blocks, power } = gate(this.momentary, RELATIVE_GATE_LU);
    return {
      integrated: powerToLufs(power),
      lra: loudnessRange(this.shortTerm),
      truePeak: this.truePeak.dbtp,
      samplePeak: toDb(this.truePeak.sampleLinear),
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
