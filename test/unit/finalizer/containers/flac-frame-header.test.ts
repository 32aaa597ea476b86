/**
 * FLAC frame headers by hand: the coded frame number at every length, header parsing, and
 * renumbering that keeps both CRCs right (and a damaged frame damaged).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flacCrc16, flacCrc8 } from '../../../../src/finalizer/containers/flac-crc.js';
import { codeFrameNumber, readFlacFrameHeader, renumberFlacFrame } from '../../../../src/finalizer/containers/flac-frame-header.js';

/** A frame as ffmpeg writes one at 24 kHz mono 16-bit: block size code 5 (4608), rate code 7, then a body. */
function frame(number: number, body: Buffer, sizeCode = 5, extra: number[] = []): Buffer {
  const head = Buffer.concat([Buffer.from([0xff, 0xf8, (sizeCode << 4) | 7, 0x08]), codeFrameNumber(number), Buffer.from(extra)]);
  const withCrc8 = Buffer.concat([head, Buffer.from([flacCrc8(head)])]);
  const unsealed = Buffer.concat([withCrc8, body]);
  const crc = Buffer.alloc(2);
  crc.writeUInt16BE(flacCrc16(unsealed));
  return Buffer.concat([unsealed, crc]);
}

describe('FLAC frame headers', () => {
  it('codes frame numbers as UTF-8 does, up to 31 bits', () => {
    expect(codeFrameNumber(0)).toEqual(Buffer.from([0x00]));
    expect(codeFrameNumber(0x7f)).toEqual(Buffer.from([0x7f]));
    expect(codeFrameNumber(0x80)).toEqual(Buffer.from([0xc2, 0x80]));
    expect(codeFrameNumber(0x7ff)).toEqual(Buffer.from([0xdf, 0xbf]));
    expect(codeFrameNumber(0x800)).toEqual(Buffer.from([0xe0, 0xa0, 0x80]));
    expect(codeFrameNumber(0x10000)).toEqual(Buffer.from([0xf0, 0x90, 0x80, 0x80]));
    expect(codeFrameNumber(0x7fffffff)).toEqual(Buffer.from([0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]));
    expect(() => codeFrameNumber(2 ** 31)).toThrow(RangeError);
    for (const n of [0, 1, 127, 128, 2047, 2048, 65535, 65536, 187_500, 0x1fffff, 0x200000, 0x3ffffff, 0x4000000, 0x7fffffff]) {
      expect(readFlacFrameHeader(frame(n, Buffer.alloc(4)), 0)?.number, `frame ${n}`).toBe(n);
      expect(readFlacFrameHeader(frame(n, Buffer.alloc(4)), 0)?.numberBytes, `frame ${n}`).toBe(codeFrameNumber(n).length);
    }
  });

  it('reads the block size and sample rate, including those coded after the number', () => {
    expect(readFlacFrameHeader(frame(3, Buffer.alloc(4)), 0)).toEqual({ length: 6, number: 3, numberBytes: 1, blockSize: 4608, sampleRate: 24_000, channels: 1, bitsPerSample: 16 });
    // Code 7: a 16-bit (block size − 1) after the frame number, as the last, shorter frame has.
    expect(readFlacFrameHeader(frame(300, Buffer.alloc(4), 7, [0x03, 0x0f]), 0)).toMatchObject({ length: 9, blockSize: 784, numberBytes: 2 });
  });

  it('finds no header where the sync code, a reserved value or the CRC-8 is wrong', () => {
    const good = frame(9, Buffer.alloc(4));
    expect(readFlacFrameHeader(good, 0)).toBeDefined();
    const variable = Buffer.from(good);
    variable[1] = 0xf9;
    expect(readFlacFrameHeader(variable, 0)).toBeUndefined();
    const crc = Buffer.from(good);
    crc[5]! ^= 1;
    expect(readFlacFrameHeader(crc, 0)).toBeUndefined();
    const reserved = Buffer.from(good);
    reserved[3]! |= 1;
    expect(readFlacFrameHeader(reserved, 0)).toBeUndefined();
    // Cut short: before its CRC-8, or inside the block size coded after the number.
    const long = frame(300, Buffer.alloc(4), 7, [0x03, 0x0f]);
    expect(readFlacFrameHeader(long.subarray(0, 8), 0)).toBeUndefined();
    expect(readFlacFrameHeader(long.subarray(0, 7), 0)).toBeUndefined();
  });

  it('renumbers a frame, its header growing or shrinking, both CRCs recomputed', () => {
    const body = randomBytes(7000);
    for (const [from, to] of [[0, 0], [0, 5], [0, 200], [5, 70_000], [70_000, 3], [1, 0x7fffffff]] as const) {
      const renumbered = renumberFlacFrame(frame(from, body), to);
      expect(renumbered.equals(frame(to, body)), `${from} → ${to}`).toBe(true);
    }
  });

  it('keeps a damaged frame damaged: its CRC-16 is carried over, not made anew', () => {
    const damaged = frame(0, randomBytes(7000));
    damaged[3000]! ^= 0x01;
    const renumbered = renumberFlacFrame(damaged, 1000);
    expect(flacCrc16(renumbered)).not.toBe(0);
    expect(flacCrc16(frame(1000, randomBytes(10)))).toBe(0);
  });
});
