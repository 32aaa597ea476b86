/**
 * The checksums of Ogg and FLAC against the check values of the CRC catalogue ("123456789"), and
 * FLAC's CRC-16 shortcut (flacCrc16Shift) against computing the CRC over the bytes.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flacCrc16, flacCrc16Shift, flacCrc8 } from '../../../../src/finalizer/containers/flac-crc.js';
import { oggCrc } from '../../../../src/finalizer/containers/ogg-crc.js';

const CHECK = Buffer.from('123456789', 'ascii');

describe('container checksums', () => {
  it('Ogg: CRC-32, polynomial 0x04C11DB7, not reflected, init 0, no final XOR', () => {
    // The catalogue's CRC-32/CKSUM (same polynomial and init) checks to 0x765E7680 after its final XOR of 0xFFFFFFFF.
    expect(oggCrc(CHECK)).toBe((0x765e7680 ^ 0xffffffff) >>> 0);
    expect(oggCrc(CHECK.subarray(4), oggCrc(CHECK.subarray(0, 4)))).toBe(oggCrc(CHECK));
  });

  it('FLAC: CRC-8 (CRC-8/SMBUS) and CRC-16 (CRC-16/UMTS)', () => {
    expect(flacCrc8(CHECK)).toBe(0xf4);
    expect(flacCrc16(CHECK)).toBe(0xfee8);
    expect(flacCrc16(CHECK.subarray(5), flacCrc16(CHECK.subarray(0, 5)))).toBe(0xfee8);
  });

  it('FLAC CRC-16: a new header over the same body, without reading the body again', () => {
    for (const bodyBytes of [0, 1, 2, 255, 4000, 9000]) {
      const body = randomBytes(bodyBytes);
      const a = randomBytes(7);
      const b = randomBytes(9);
      const before = flacCrc16(Buffer.concat([a, body]));
      const after = before ^ flacCrc16Shift(flacCrc16(a) ^ flacCrc16(b), bodyBytes);
      expect(after, `${bodyBytes}-byte body`).toBe(flacCrc16(Buffer.concat([b, body])));
    }
    expect(flacCrc16Shift(0x1234, 0)).toBe(0x1234);
  });
});
