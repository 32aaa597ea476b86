/** Coefficients of one biquad section (a0 normalised to 1). */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/**
 * The two stages of ITU-R BS.1770's K-weighting (a high-shelf "head" filter, then a high-pass
 * "RLB" filter) for any sample rate. The standard tabulates them at 48 kHz only; these are the
 * analogue prototypes libebur128 derives them from, bilinear-transformed at `sampleRate`, so a
 * 24 kHz segment is weighted as the standard means without resampling it first.
 */
export function kWeighting(sampleRate: number): [Biquad, Biquad] {
  if (!(sampleRate > 0)) throw new RangeError(`Expected a positive sample rate, got ${sampleRate}`);
  // Stage 1: shelving filter, +4 dB above ~1.7 kHz (the head's acoustic effect).
  let f0 = 1681.974450955533;
  const gainDb = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = 10 ** (gainDb / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b0: (vh + (vb * k) / q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0,
  };
  // Stage 2: second-order high-pass at ~38 Hz (revised low-frequency B-weighting).
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  const highPass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 };
  return [shelf, highPass];
}
