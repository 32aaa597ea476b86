/**
 * Ogg's page checksum: CRC-32 with the polynomial 0x04C11DB7, not reflected, initial value 0 and no
 * final XOR (RFC 3533 §6). It is not zlib's CRC-32 (that one is reflected and inverted), so
 * node:zlib's crc32 cannot stand in for it.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** The Ogg CRC-32 of `bytes`, continuing from `crc` (0 to start). */
export function oggCrc(bytes: Uint8Array, crc = 0): number {
  let r = crc >>> 0;
  for (let i = 0; i < bytes.length; i++) r = ((r << 8) ^ TABLE[((r >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return r;
}
