/**
 * True peak (ITU-R BS.1770-4 Annex 2): the largest magnitude of the signal between its samples,
 * found by oversampling with a windowed-sinc interpolator. A sample peak misses the overs a
 * reconstruction filter (a DAC, a lossy decoder) produces between two large samples of opposite
 * slope, which is what clips on playback.
 */
export class TruePeakMeter {
  private readonly factor: number;
  private readonly taps: number;
  /** phases[p][t]: coefficient of the t-th most recent input sample for output phase p. */
  private readonly phases: Float64Array[];
  private readonly history: Float64Array;
  private pos = 0;
  private peak = 0;
  /** Largest sum of |taps| of a phase: no interpolated value exceeds it times the largest sample in reach. */
  private readonly bound: number;
  /** Samples fed, and how many ago the last one that could lift the peak came. */
  private sinceBig = Infinity;

  /**
   * @param factor oversampling factor (4 by default, the standard's; at 24 kHz that is 96 kHz)
   * @param tapsPerPhase interpolator length per phase (12 by default: 48 taps at 4×, as libebur128 uses)
   */
  constructor(factor = 4, tapsPerPhase = 12) {
    this.factor = factor;
    this.taps = tapsPerPhase;
    const length = factor * tapsPerPhase;
    const centre = (length - 1) / 2;
    this.phases = Array.from({ length: factor }, () => new Float64Array(tapsPerPhase));
    for (let n = 0; n < length; n++) {
      const x = (n - centre) / factor;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      // Hann window over the whole filter.
      const window = 0.5 * (1 - Math.cos((2 * Math.PI * (n + 0.5)) / length));
      // Polyphase split: output phase p takes taps n = p + factor·t.
      this.phases[n % factor]![Math.floor(n / factor)] = sinc * window;
    }
    this.history = new Float64Array(tapsPerPhase);
    this.bound = Math.max(...this.phases.map((h) => h.reduce((a, c) => a + Math.abs(c), 0)));
  }

  /** Feeds samples in [-1, 1]. */
  push(samples: Float64Array | number[], count = samples.length): void {
    const { history, phases, taps, factor } = this;
    let peak = this.peak;
    let pos = this.pos;
    for (let i = 0; i < count; i++) {
      const x = samples[i]!;
      history[pos] = x;
      pos = (pos + 1) % taps;
      const ax = x < 0 ? -x : x;
      if (ax > peak) peak = ax;
      // Interpolate only near a sample large enough to matter: quiet stretches cost one compare.
      if (ax * this.bound > peak) this.sinceBig = 0;
      else if (++this.sinceBig >= taps) continue;
      for (let p = 0; p < factor; p++) {
        const h = phases[p]!;
        let acc = 0;
        // history[pos] is the oldest sample, history[pos-1] the newest.
        let j = pos;
        for (let t = taps - 1; t >= 0; t--) {
          acc += h[t]! * history[j]!;
          j = j + 1 === taps ? 0 : j + 1;
        }
        const a = acc < 0 ? -acc : acc;
        if (a > peak) peak = a;
      }
    }
    this.pos = pos;
    this.peak = peak;
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
