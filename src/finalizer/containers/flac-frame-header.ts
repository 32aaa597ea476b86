import { AudioFormatError } from '../../errors.js';
import { flacCrc16, flacCrc16Shift, flacCrc8 } from './flac-crc.js';

/** A FLAC frame header (RFC 9639 §9.1) of a fixed-block-size stream. */
export interface FlacFrameHeader {
  /** Bytes of the header, its CRC-8 included. */
  length: number;
  /** The frame number (fixed block size streams number frames, not samples). */
  number: number;
  /** Bytes of the coded frame number, which starts at byte 4. */
  numberBytes: number;
  /** Samples per channel in the frame. */
  blockSize: number;
  /** Hz, or undefined when the header defers to STREAMINFO. */
  sampleRate: number | undefined;
  channels: number;
  /** Bits per sample, or undefined when the header defers to STREAMINFO. */
  bitsPerSample: number | undefined;
}

const SAMPLE_RATES = [undefined, 88_200, 176_400, 192_000, 8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 96_000];
const SAMPLE_SIZES = [undefined, 8, 12, -1, 16, 20, 24, 32];

/**
 * The header of a fixed-block-size frame starting at `b[at]` (sync code 0xFFF8), or undefined when
 * none starts there: wrong sync, a reserved value, a malformed frame number, or a CRC-8 that does
 * not check. Subframe data can hold 0xFFF8 by chance; the CRC-8 rules most of those out.
 */
export function readFlacFrameHeader(b: Uint8Array, at: number): FlacFrameHeader | undefined {
  if (at + 6 > b.length || b[at] !== 0xff || b[at + 1] !== 0xf8) return undefined;
  const sizeCode = b[at + 2]! >> 4;
  const rateCode = b[at + 2]! & 0x0f;
  const channelCode = b[at + 3]! >> 4;
  const sampleSize = SAMPLE_SIZES[(b[at + 3]! >> 1) & 0x07];
  if (sizeCode === 0 || rateCode === 15 || channelCode > 10 || sampleSize === -1 || (b[at + 3]! & 1) !== 0) return undefined;
  // The frame number is coded like UTF-8: the lead byte's high ones count the bytes (1 to 6 for 31 bits).
  const lead = b[at + 4]!;
  let numberBytes = 1;
  if (lead >= 0x80) {
    numberBytes = Math.clz32(~(lead << 24)); // the lead byte's leading ones
    if (numberBytes < 2 || numberBytes > 6) return undefined;
  }
  let number = lead < 0x80 ? lead : lead & (0xff >> (numberBytes + 1));
  let p = at + 5;
  for (let i = 1; i < numberBytes; i++, p++) {
    const c = b[p];
    if (c === undefined || (c & 0xc0) !== 0x80) return undefined;
    number = number * 64 + (c & 0x3f);
  }
  let blockSize: number;
  if (sizeCode === 1) blockSize = 192;
  else if (sizeCode <= 5) blockSize = 576 << (sizeCode - 2);
  else if (sizeCode === 6) blockSize = (b[p++] ?? 0) + 1;
  else if (sizeCode === 7) blockSize = ((b[p++] ?? 0) << 8) + (b[p++] ?? 0) + 1;
  else blockSize = 256 << (sizeCode - 8);
  let sampleRate: number | undefined;
  if (rateCode === 12) sampleRate = (b[p++] ?? 0) * 1000;
  else if (rateCode === 13) sampleRate = ((b[p++] ?? 0) << 8) + (b[p++] ?? 0);
  else if (rateCode === 14) sampleRate = (((b[p++] ?? 0) << 8) + (b[p++] ?? 0)) * 10;
  else sampleRate = SAMPLE_RATES[rateCode];
  // A byte past the end reads as 0 above and leaves p past the end: b[p], the CRC-8, is then missing.
  if (p >= b.length || flacCrc8(b.subarray(at, p)) !== b[p]) return undefined;
  return {
    length: p + 1 - at,
    number,
    numberBytes,
    blockSize,
    sampleRate,
    channels: channelCode < 8 ? channelCode + 1 : 2,
    bitsPerSample: sampleSize,
  };
}

/** A frame number coded as FLAC codes it: UTF-8's scheme stretched to 31 bits (1 to 6 bytes). */
export function codeFrameNumber(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`a FLAC frame number is 0 to 2^31 − 1, got ${n}`);
  if (n < 0x80) return Buffer.from([n]);
  const bytes = n < 0x800 ? 2 : n < 0x10000 ? 3 : n < 0x200000 ? 4 : n < 0x4000000 ? 5 : 6;
  const out = Buffer.alloc(bytes);
  let rest = n;
  for (let i = bytes - 1; i > 0; i--) {
    out[i] = 0x80 | (rest & 0x3f);
    rest = Math.floor(rest / 64);
  }
  out[0] = ((0xff00 >> bytes) & 0xff) | rest;
  return out;
}

/**
 * `frame` (a whole fixed-block-size frame) with its frame number rewritten as `number`: the coded
 * number may change length, so the header's CRC-8 is recomputed and the frame's CRC-16 carried over
 * through flacCrc16Shift. Throws AudioFormatError on bytes that do not start with a frame header.
 */
export function renumberFlacFrame(frame: Buffer, number: number): Buffer {
  const header = readFlacFrameHeader(frame, 0);
  if (header === undefined) throw new AudioFormatError(`not a FLAC frame: it starts with 0x${frame.subarray(0, 6).toString('hex')}`);
  if (header.number === number) return frame;
  const oldHeader = frame.subarray(0, header.length);
  const coded = codeFrameNumber(number);
  const newHeader = Buffer.concat([frame.subarray(0, 4), coded, frame.subarray(4 + header.numberBytes, header.length)]);
  newHeader[newHeader.length - 1] = flacCrc8(newHeader.subarray(0, newHeader.length - 1));
  const bodyBytes = frame.length - header.length - 2;
  if (bodyBytes < 0) throw new AudioFormatError(`a FLAC frame of ${frame.length} bytes is shorter than its own header and CRC`);
  const crc = frame.readUInt16BE(frame.length - 2) ^ flacCrc16Shift(flacCrc16(oldHeader) ^ flacCrc16(newHeader), bodyBytes);
  const out = Buffer.alloc(newHeader.length + bodyBytes + 2);
  newHeader.copy(out, 0);
  frame.copy(out, newHeader.length, header.length, frame.length - 2);
  out.writeUInt16BE(crc, out.length - 2);
  return out;
}
