/** Converts mono 16-bit PCM from `fromRate` to `toRate` by linear interpolation (e.g. espeak's 22050 Hz to the book's 24000 Hz). */
export function resamplePcm16(data: Buffer, fromRate: number, toRate: number): Buffer {
  if (!(fromRate > 0) || !(toRate > 0)) throw new RangeError(`Expected positive sample rates, got ${fromRate} → ${toRate}`);
  const inCount = Math.floor(data.length / 2);
  if (fromRate === toRate) return Buffer.from(data.subarray(0, inCount * 2));
  const outCount = Math.round((inCount * toRate) / fromRate);
  const out = Buffer.alloc(outCount * 2);
  const step = fromRate / toRate;
  for (let i = 0; i < outCount; i++) {
    const pos = i * step;
    const left = Math.min(Math.floor(pos), inCount - 1);
    const right = Math.min(left + 1, inCount - 1);
    const frac = pos - left;
    const a = data.readInt16LE(left * 2);
    const b = data.readInt16LE(right * 2);
    out.writeInt16LE(Math.round(a + (b - a) * frac), i * 2);
  }
  return out;
}
