import { AudioFormatError } from '../../errors.js';
import { oggCrc } from './ogg-crc.js';

/** Header-type flag: the page's first segment continues a packet begun on an earlier page. */
export const OGG_CONTINUED = 0x01;
/** Header-type flag: the first page of a logical stream. */
export const OGG_BOS = 0x02;
/** Header-type flag: the last page of a logical stream. */
export const OGG_EOS = 0x04;

/** One Ogg page (RFC 3533 §6): a header, a table of lacing values and the body they divide. */
export interface OggPage {
  /** Byte offset of the page in the data it was read from (0 for a page being written). */
  offset: number;
  /** OGG_CONTINUED | OGG_BOS | OGG_EOS. */
  flags: number;
  /** Codec-defined position at the end of the last packet completed on the page; -1 when none is. */
  granule: bigint;
  serial: number;
  sequence: number;
  /** Lacing values: a packet is the sum of a run of 255s ended by one value below 255. */
  lacing: Uint8Array;
  body: Buffer;
}

const CAPTURE = Buffer.from('OggS', 'latin1');
const HEADER_BYTES = 27;
const ZERO_CRC = new Uint8Array(4);

/**
 * The pages of an Ogg file, in order, each checked: capture pattern, stream structure version 0,
 * complete, CRC. Throws AudioFormatError naming the byte offset of the first page that is not.
 */
export function* readOggPages(bytes: Buffer): Generator<OggPage> {
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length || !bytes.subarray(at, at + 4).equals(CAPTURE)) {
      const found = bytes.subarray(at, Math.min(at + 4, bytes.length)).toString('hex');
      throw new AudioFormatError(`not an Ogg page at byte ${at}: expected the capture pattern "OggS", found 0x${found}`);
    }
    if (at + HEADER_BYTES > bytes.length) throw truncated(at, HEADER_BYTES, bytes.length - at);
    if (bytes[at + 4] !== 0) throw new AudioFormatError(`Ogg page at byte ${at} has stream structure version ${bytes[at + 4]}, only version 0 exists`);
    const count = bytes[at + 26]!;
    const tableEnd = at + HEADER_BYTES + count;
    if (tableEnd > bytes.length) throw truncated(at, HEADER_BYTES + count, bytes.length - at);
    const lacing = bytes.subarray(at + HEADER_BYTES, tableEnd);
    let bodyBytes = 0;
    for (const value of lacing) bodyBytes += value;
    const end = tableEnd + bodyBytes;
    if (end > bytes.length) throw truncated(at, end - at, bytes.length - at);
    const stored = bytes.readUInt32LE(at + 22);
    // The CRC is computed with its own four bytes taken as zero.
    const computed = oggCrc(bytes.subarray(at + 26, end), oggCrc(ZERO_CRC, oggCrc(bytes.subarray(at, at + 22))));
    const sequence = bytes.readUInt32LE(at + 18);
    if (stored !== computed) {
      throw new AudioFormatError(`Ogg page ${sequence} at byte ${at} is corrupt: its CRC is 0x${hex32(stored)}, its bytes give 0x${hex32(computed)}`);
    }
    yield {
      offset: at,
      flags: bytes[at + 5]!,
      granule: bytes.readBigInt64LE(at + 6),
      serial: bytes.readUInt32LE(at + 14),
      sequence,
      lacing,
      body: bytes.subarray(tableEnd, end),
    };
    at = end;
  }
}

/** The bytes of one page, its CRC computed. `lacing` must describe `body` exactly (at most 255 values). */
export function encodeOggPage(page: Omit<OggPage, 'offset'>): Buffer {
  const { lacing, body } = page;
  if (lacing.length > 255) throw new RangeError(`an Ogg page holds at most 255 lacing values, got ${lacing.length}`);
  let sum = 0;
  for (const value of lacing) sum += value;
  if (sum !== body.length) throw new RangeError(`lacing values add up to ${sum} bytes, the body has ${body.length}`);
  const out = Buffer.alloc(HEADER_BYTES + lacing.length + body.length);
  CAPTURE.copy(out, 0);
  out[4] = 0;
  out[5] = page.flags;
  out.writeBigInt64LE(page.granule, 6);
  out.writeUInt32LE(page.serial >>> 0, 14);
  out.writeUInt32LE(page.sequence >>> 0, 18);
  out[26] = lacing.length;
  out.set(lacing, HEADER_BYTES);
  body.copy(out, HEADER_BYTES + lacing.length);
  out.writeUInt32LE(oggCrc(out), 22);
  return out;
}

function truncated(at: number, needed: number, left: number): AudioFormatError {
  return new AudioFormatError(`truncated Ogg page at byte ${at}: it needs ${needed} bytes, the data ends ${left} bytes in`);
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
