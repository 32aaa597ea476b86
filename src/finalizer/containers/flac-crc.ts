/**
 * FLAC's two checksums (RFC 9639 §9.1, §9.3), both not reflected, initial value 0, no final XOR:
 * CRC-8 (x^8 + x^2 + x + 1) over a frame header, CRC-16 (x^16 + x^15 + x^2 + 1) over a whole frame.
 */
function table(poly: number, width: number): Uint16Array {
  const top = 1 << (width - 1);
  const mask = (1 << width) - 1;
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << (width - 8);
    for (let bit = 0; bit < 8; bit++) r = (r & top ? (r << 1) ^ poly : r << 1) & mask;
    t[i] = r;
  }
  return t;
}

const CRC8 = table(0x07, 8);
const CRC16 = table(0x8005, 16);

/** FLAC's CRC-8 of `bytes` (a frame header), continuing from `crc`. */
export function flacCrc8(bytes: Uint8Array, crc = 0): number {
  let r = crc;
  for (let i = 0; i < bytes.length; i++) r = CRC8[r ^ bytes[i]!]!;
  return r;
}

/** FLAC's CRC-16 of `bytes` (a frame), continuing from `crc`. */
export function flacCrc16(bytes: Uint8Array, crc = 0): number {
  let r = crc;
  for (let i = 0; i < bytes.length; i++) r = ((r << 8) & 0xffff) ^ CRC16[(r >> 8) ^ bytes[i]!]!;
  return r;
}

/**
 * The CRC-16 register `crc` after `count` zero bytes, in O(log count): crc·x^(8·count) mod P.
 * With an initial value of 0 the CRC is linear, so crc(A‖D) = shift(crc(A), |D|) ⊕ crc(D); a frame
 * whose header A becomes B keeps its body D, and its new CRC is the old one ⊕ shift(crc(A) ⊕ crc(B), |D|)
 * without reading D again. The old CRC carries over any damage to D, so a corrupt frame stays corrupt.
 */
export function flacCrc16Shift(crc: number, count: number): number {
  let power = 1; // x^0
  let base = 2; // x^1
  for (let e = 8 * count; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) power = mulMod(power, base);
    base = mulMod(base, base);
  }
  return mulMod(crc, power);
}

/** a·b mod x^16 + x^15 + x^2 + 1, over GF(2). */
function mulMod(a: number, b: number): number {
  let r = 0;
  for (let bit = 15; bit >= 0; bit--) {
    r <<= 1;
    if (r & 0x10000) r ^= 0x18005;
    if ((b >> bit) & 1) r ^= a;
  }
  return r;
}
