/**
 * True peak (ITU-R BS.1770-4 Annex 2): the largest magnitude of the signal between its samples,
 * found by oversampling with a windowed-sinc interpolator. A sample peak misses the overs a
 * reconstruction filter (a DAC, a lossy decoder) produces between two large samples of opposite
 * slope, which is what clips on playback.
 */
export class TruePeakMeter {
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
