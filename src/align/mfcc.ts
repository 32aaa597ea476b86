import FFT from 'fft.js';
import { melFilterbank } from './mel-filterbank.js';

/** How speech is turned into feature frames; every field has the default the aligner uses. */
export interface FeatureOptions {
  /** Length of each analysis window. Default 25 ms, the usual span over which speech is stationary. */
  windowMs: number;
  /** Time between frames: the resolution of every timing. Default 10 ms. */
  hopMs: number;
  /** Triangular mel filters. Default 26. */
  filters: number;
  /** Cepstral coefficients kept, c1 .. cN (c0, the loudness, is replaced by the energy feature). Default 12. */
  coefficients: number;
  /** The filters span lowHz .. highHz: up to 8 kHz, which every voice narrate hears (22.05 and 24 kHz) carries. */
  lowHz: number;
  highHz: number;
  /** Weight of the frame's loudness (relative to the loudest frame) as one more dimension: keeps pauses on pauses. Default 10. */
  energyWeight: number;
  /** Frames quieter than this much below the loudest frame count as silence in the features. Default 60 dB. */
  floorDb: number;
  /** Whether each coefficient is also divided by its deviation over the signal (CMVN), so none dominates. Default true. */
  normalizeVariance: boolean;
}

export const DEFAULT_FEATURES: Readonly<FeatureOptions> = Object.freeze({
  windowMs: 25,
  hopMs: 10,
  filters: 26,
  coefficients: 12,
  lowHz: 80,
  highHz: 8000,
  energyWeight: 10,
  floorDb: 60,
  normalizeVariance: true,
});

/** Feature frames of one signal: `count` frames of `dims` numbers, row after row. */
export interface Features {
  frames: Float32Array;
  count: number;
  dims: number;
  hopMs: number;
  /** Each frame's loudness in dB below the loudest frame (0 for the loudest, -floorDb at most). */
  levelDb: Float32Array;
}

const PRE_EMPHASIS = 0.97;
const DB_PER_NEPER = 10 / Math.LN10;

/**
 * MFCC frames of a mono signal (any sample rate, any scale): pre-emphasis, Hamming window, power
 * spectrum, log mel energies floored `floorDb` below the loudest frame (so digital silence and a
 * quiet room look alike), DCT, then each coefficient minus its mean over the signal (cepstral mean
 * normalisation: removes the voice's and the channel's constant colour, which a different voice
 * reading the same words does not share). Frame k covers samples from k·hop.
 */
export function mfcc(samples: ArrayLike<number>, sampleRate: number, options: FeatureOptions = DEFAULT_FEATURES): Features {
  const window = Math.max(1, Math.round((options.windowMs * sampleRate) / 1000));
  const hop = Math.max(1, Math.round((options.hopMs * sampleRate) / 1000));
  const count = Math.max(0, Math.floor((samples.length - 1) / hop) + 1);
  let size = 2;
  while (size < window) size *= 2;
  const fft = new FFT(size);
  const filters = melFilterbank(size, sampleRate, options.filters, options.lowHz, options.highHz);
  const hamming = new Float64Array(window);
  for (let i = 0; i < window; i++) hamming[i] = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / Math.max(1, window - 1));
  const input = new Float64Array(size);
  const spectrum = new Float64Array(2 * size);
  const nf = options.filters;
  const logMel = new Float32Array(count * nf);
  const logEnergy = new Float32Array(count);
  let loudest = -Infinity;
  for (let k = 0; k < count; k++) {
    const start = k * hop;
    let previous = start > 0 ? (samples[start - 1] ?? 0) : 0;
    for (let i = 0; i < window; i++) {
      const x = samples[start + i] ?? 0;
      input[i] = (x - PRE_EMPHASIS * previous) * hamming[i]!;
      previous = x;
    }
    input.fill(0, window);
    fft.realTransform(spectrum, input);
    let energy = 0;
    for (let f = 0; f < nf; f++) {
      const { firstBin, weights } = filters[f]!;
      let sum = 0;
      for (let w = 0; w < weights.length; w++) {
        const re = spectrum[2 * (firstBin + w)]!;
        const im = spectrum[2 * (firstBin + w) + 1]!;
        sum += weights[w]! * (re * re + im * im);
      }
      energy += sum;
      logMel[k * nf + f] = Math.log(sum + 1e-10);
    }
    logEnergy[k] = Math.log(energy + 1e-10);
    if (logEnergy[k]! > loudest) loudest = logEnergy[k]!;
  }
  // The floor is relative to the signal's loudest frame: loudness differs between voices and takes, its shape does not.
  const floor = loudest - options.floorDb / DB_PER_NEPER;
  let loudestBand = -Infinity;
  for (let i = 0; i < logMel.length; i++) if (logMel[i]! > loudestBand) loudestBand = logMel[i]!;
  const bandFloor = loudestBand - options.floorDb / DB_PER_NEPER;
  const nc = options.coefficients;
  const dims = nc + 1;
  const frames = new Float32Array(count * dims);
  const levelDb = new Float32Array(count);
  const dct = dctMatrix(nf, nc);
  for (let k = 0; k < count; k++) {
    const level = Math.max(logEnergy[k]!, floor);
    levelDb[k] = (level - loudest) * DB_PER_NEPER;
    // Loudness from 0 (loudest) down to -1 (the floor), weighted: pauses then stand apart from speech.
    frames[k * dims] = (options.energyWeight * levelDb[k]!) / options.floorDb;
    for (let c = 0; c < nc; c++) {
      let sum = 0;
      for (let f = 0; f < nf; f++) sum += dct[c * nf + f]! * Math.max(logMel[k * nf + f]!, bandFloor);
      frames[k * dims + 1 + c] = sum;
    }
  }
  normalize(frames, count, dims, 1, options.normalizeVariance);
  return { frames, count, dims, hopMs: (hop * 1000) / sampleRate, levelDb };
}

/** Rows c = 1 .. nc of the orthonormal DCT-II over nf inputs. */
function dctMatrix(nf: number, nc: number): Float64Array {
  const m = new Float64Array(nc * nf);
  const scale = Math.sqrt(2 / nf);
  for (let c = 0; c < nc; c++) {
    for (let f = 0; f < nf; f++) m[c * nf + f] = scale * Math.cos((Math.PI * (c + 1) * (f + 0.5)) / nf);
  }
  return m;
}

/** Subtracts each dimension's mean over all frames, from dimension `from` on, and divides by its deviation if asked. */
function normalize(frames: Float32Array, count: number, dims: number, from: number, variance: boolean): void {
  if (count === 0) return;
  for (let d = from; d < dims; d++) {
    let sum = 0;
    let squares = 0;
    for (let k = 0; k < count; k++) {
      sum += frames[k * dims + d]!;
      squares += frames[k * dims + d]! ** 2;
    }
    const mean = sum / count;
    const deviation = variance ? Math.sqrt(Math.max(1e-12, squares / count - mean * mean)) : 1;
    for (let k = 0; k < count; k++) frames[k * dims + d] = (frames[k * dims + d]! - mean) / deviation;
  }
}
