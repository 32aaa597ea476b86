/** One triangular filter: its weights over consecutive FFT bins starting at `firstBin`. */
export interface MelFilter {
  firstBin: number;
  weights: Float32Array;
}

/** Hertz to mels (O'Shaughnessy's formula, the one HTK and most MFCC front ends use). */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

/** Mels to hertz, the inverse of hzToMel. */
export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/**
 * `count` triangular filters spaced evenly on the mel scale between `lowHz` and `highHz`, over the
 * bins 0 .. fftSize/2 of an FFT at `sampleRate`. The filters are placed in hertz, not in bins, so two
 * signals at different sample rates (espeak's 22 050 Hz, the model's 24 000 Hz) get comparable bands.
 */
export function melFilterbank(fftSize: number, sampleRate: number, count: number, lowHz: number, highHz: number): MelFilter[] {
  const top = Math.min(highHz, sampleRate / 2);
  const lowMel = hzToMel(lowHz);
  const step = (hzToMel(top) - lowMel) / (count + 1);
  const binHz = sampleRate / fftSize;
  const bins = fftSize / 2 + 1;
  const filters: MelFilter[] = [];
  for (let f = 0; f < count; f++) {
    const left = melToHz(lowMel + f * step);
    const centre = melToHz(lowMel + (f + 1) * step);
    const right = melToHz(lowMel + (f + 2) * step);
    const first = Math.max(0, Math.ceil(left / binHz));
    const last = Math.min(bins - 1, Math.floor(right / binHz));
    const weights = new Float32Array(Math.max(0, last - first + 1));
    for (let b = first; b <= last; b++) {
      const hz = b * binHz;
      weights[b - first] = hz <= centre ? (hz - left) / (centre - left) : (right - hz) / (right - centre);
    }
    filters.push({ firstBin: first, weights });
  }
  return filters;
}
