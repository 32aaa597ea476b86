import { kWeighting, type Biquad } from '../../src/audio/k-weighting.js';
import type { Loudness } from '../../src/audio/loudness-meter.js';
/**
 * The loudness meter as it was before the worker metered in the decode's own pass (commit 9b6621b,
 * src/audio/loudness-meter.ts and true-peak-meter.ts, one class here): the reference the faster
 * meter in src/ must agree with (test/unit/audio/wav-stream-meter.test.ts) and the
 * baseline of bench/worker-cpu-cost.ts. Not used by narrate itself.
 */
/**
 * True peak (ITU-R BS.1770-4 Annex 2): the largest magnitude of the signal between its samples,
 * found by oversampling with a windowed-sinc interpolator. A sample peak misses the overs a
 * reconstruction filter (a DAC, a lossy decoder) produces between two large samples of opposite
 * slope, which is what clips on playback.
 */
class ReferenceTruePeakMeter {
  private readonly factor: number;
  private readonly taps: number;
  /** Coefficients, phase after phase: coefs[p·taps + t] weighs the t-th oldest sample of the window for phase p. */
  private readonly coefs: Float64Array;
  /** The last `taps` samples, written twice (at i and i+taps) so the window is always contiguous. */
  private readonly history: Float64Array;
  private pos = 0;
  private peak = 0;
  /** Largest sum of |coefficients| of a phase: no interpolated value exceeds it times the largest sample in reach. */
  private readonly bound: number;
  /** Samples since the last one large enough to lift the peak. */
  private sinceBig: number;

  /**
   * @param factor oversampling factor (4 by default, the standard's; at 24 kHz that is 96 kHz)
   * @param tapsPerPhase interpolator length per phase (8 by default: 32 taps at 4×; within 0.1 dB of ffmpeg on speech, at two thirds of the cost of 48)
   */
  constructor(factor = 4, tapsPerPhase = 8) {
    this.factor = factor;
    this.taps = tapsPerPhase;
    const length = factor * tapsPerPhase;
    const centre = (length - 1) / 2;
    this.coefs = new Float64Array(length);
    for (let n = 0; n < length; n++) {
      const x = (n - centre) / factor;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      // Hann window over the whole filter.
      const window = 0.5 * (1 - Math.cos((2 * Math.PI * (n + 0.5)) / length));
      // Polyphase split: output phase p takes taps n = p + factor·t (t = 0 is the newest sample).
      const p = n % factor;
      const t = Math.floor(n / factor);
      this.coefs[p * tapsPerPhase + (tapsPerPhase - 1 - t)] = sinc * window;
    }
    this.history = new Float64Array(2 * tapsPerPhase);
    let bound = 0;
    for (let p = 0; p < factor; p++) {
      let sum = 0;
      for (let t = 0; t < tapsPerPhase; t++) sum += Math.abs(this.coefs[p * tapsPerPhase + t]!);
      bound = Math.max(bound, sum);
    }
    this.bound = bound;
    this.sinceBig = tapsPerPhase;
  }

  /** Feeds samples in [-1, 1]. */
  push(samples: Float64Array, count = samples.length): void {
    const { history, coefs, taps, factor, bound } = this;
    let peak = this.peak;
    let pos = this.pos;
    let sinceBig = this.sinceBig;
    for (let i = 0; i < count; i++) {
      const x = samples[i]!;
      history[pos] = x;
      history[pos + taps] = x;
      pos = pos + 1 === taps ? 0 : pos + 1;
      const ax = x < 0 ? -x : x;
      if (ax > peak) peak = ax;
      // Interpolate only near a sample large enough to matter: quiet stretches cost one compare.
      if (ax * bound > peak) sinceBig = 0;
      else if (++sinceBig >= taps) continue;
      // The window, oldest first, is history[pos .. pos+taps).
      for (let p = 0, c = 0; p < factor; p++) {
        let acc = 0;
        for (let t = 0; t < taps; t++, c++) acc += coefs[c]! * history[pos + t]!;
        const a = acc < 0 ? -acc : acc;
        if (a > peak) peak = a;
      }
    }
    this.pos = pos;
    this.peak = peak;
    this.sinceBig = sinceBig;
  }

  /** The largest magnitude seen so far, linear (1 = full scale). */
  get linear(): number {
    return this.peak;
  }

  /** The true peak in dBTP (-Infinity for silence). */
  get dbtp(): number {
    return this.peak > 0 ? 20 * Math.log10(this.peak) : -Infinity;
  }
}

/** Added to every sample the K-weighting filters see, so their states never become subnormal numbers. */
const DENORMAL_GUARD = 1e-20;

const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;
const LRA_RELATIVE_GATE_LU = -20;

/** BS.1770 loudness of a mean power (one channel, weight 1). */
function powerToLufs(power: number): number {
  return power > 0 ? -0.691 + 10 * Math.log10(power) : -Infinity;
}

/** The mean power a loudness in LUFS stands for. */
function lufsToPower(lufs: number): number {
  return Number.isFinite(lufs) ? 10 ** ((lufs + 0.691) / 10) : 0;
}

/**
 * EBU R128 / ITU-R BS.1770-4 meter for mono PCM, fed in pieces of any size so a file of any
 * length is measured in constant memory (one number per 100 ms is kept for the gating).
 * K-weighting, 400 ms momentary blocks every 100 ms (75% overlap), absolute and relative gates,
 * the loudness range over 3 s short-term blocks, and a 4× oversampled true peak.
 */
export class ReferenceLoudnessMeter {
  private readonly filters: [Biquad, Biquad];
  private readonly state = new Float64Array(4);
  private readonly subBlock: number;
  private readonly truePeak: ReferenceTruePeakMeter;
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
    this.truePeak = new ReferenceTruePeakMeter(4);
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
      a1 = p1 * xf - q1 * u + a2;
      a2 = p2 * xf - q2 * u;
      const v = r0 * u + b1;
      b1 = r1 * u - s1 * v + b2;
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
function powerToDb(power: number): number {
  return power > 0 ? 10 * Math.log10(power) : -Infinity;
}
