// fft.js (CommonJS, no declarations of its own): the calls the aligner's features make.
declare module 'fft.js' {
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    /** Fills out[0 .. size + 1] with the interleaved (re, im) bins 0 .. size/2 of a real input of `size` samples. */
    realTransform(out: Float64Array, data: Float64Array): void;
  }
}
