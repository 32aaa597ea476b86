import { AudioFormatError } from '../../errors.js';
import { bookVorbisComments } from './book-vorbis-comments.js';
import { flacCrc16 } from './flac-crc.js';
import { readFlacFrameHeader, renumberFlacFrame } from './flac-frame-header.js';
import { flacPicture, type CoverPicture } from './flac-picture.js';
import { encodeVorbisComment } from './vorbis-comment.js';

/*
 * What ffmpeg 5.1's flac encoder makes of the book's audio, measured here (24 kHz mono s16le in,
 * `ffmpeg -f s16le -ar 24000 -ac 1 -i in.pcm -c:a flac -frame_size 4608 -f flac part.flac`, frames
 * listed with `ffprobe -show_packets` and readFlacFrames, decoded back with `-f s16le`):
 *
 * - no encoder delay: the decoded PCM is the input, byte for byte, from the first sample;
 * - fixed block size (sync 0xFFF8, frames numbered 0, 1, 2, …): N input samples, N a multiple of
 *   4608, come out as exactly N/4608 frames of 4608 (4608 → 1, 9216 → 2, 46080 → 10); any other N
 *   as ceil(N/4608) frames, only the last one shorter (10000 → 4608, 4608, 784);
 * - STREAMINFO says min = max block size 4608, with frame sizes and an MD5 filled in.
 *
 * So a part is cut on multiples of 4608 book samples and no frame is dropped at a join; what a join
 * must do is renumber the frames, since every part counts its own from 0 and a decoder (ffmpeg's
 * seeking among them) reads a frame's position in the stream from its number.
 */

/** What a FLAC STREAMINFO block says (RFC 9639 §8.2). */
export interface FlacStreamInfo {
  minBlockSize: number;
  maxBlockSize: number;
  /** Bytes; 0 when unknown. */
  minFrameSize: number;
  maxFrameSize: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Samples per channel; 0 when unknown. */
  totalSamples: number;
}

const MAGIC = Buffer.from('fLaC', 'latin1');
const STREAMINFO = 0;
const PADDING = 1;
const VORBIS_COMMENT = 4;
const PICTURE = 6;

/**
 * Takes a FLAC file apart: its STREAMINFO and its frames, in order (views into `bytes`). A frame
 * ends where the next frame header starts (sync 0xFFF8, CRC-8 good) and the CRC-16 of the bytes
 * before it checks, since subframe data can hold a sync code by chance. Throws AudioFormatError on
 * bytes that are not FLAC, or on a frame whose CRC-16 never checks (corrupt or cut short).
 */
export function readFlacFrames(bytes: Buffer): { streamInfo: FlacStreamInfo; frames: Buffer[] } {
  if (bytes.length < 4 || !bytes.subarray(0, 4).equals(MAGIC)) {
    throw new AudioFormatError(`not FLAC: it starts with 0x${bytes.subarray(0, 4).toString('hex')}, not "fLaC"`);
  }
  let at = 4;
  let streamInfo: FlacStreamInfo | undefined;
  for (let last = false; !last; ) {
    if (at + 4 > bytes.length) throw new AudioFormatError(`FLAC metadata ends at byte ${bytes.length}, inside a block header`);
    last = (bytes[at]! & 0x80) !== 0;
    const type = bytes[at]! & 0x7f;
    const length = bytes.readUIntBE(at + 1, 3);
    const body = bytes.subarray(at + 4, at + 4 + length);
    if (body.length < length) throw new AudioFormatError(`FLAC metadata block at byte ${at} claims ${length} bytes, ${body.length} are left`);
    if (streamInfo === undefined) {
      if (type !== STREAMINFO || length !== 34) throw new AudioFormatError(`not FLAC: its first metadata block is type ${type} of ${length} bytes, not a 34-byte STREAMINFO`);
      streamInfo = readStreamInfo(body);
    } else if (type === 127) {
      throw new AudioFormatError(`FLAC metadata block at byte ${at} has the forbidden type 127`);
    }
    at += 4 + length;
  }
  const frames: Buffer[] = [];
  if (at === bytes.length) return { streamInfo: streamInfo!, frames };
  const first = readFlacFrameHeader(bytes, at);
  if (first === undefined) {
    const variable = bytes[at] === 0xff && bytes[at + 1] === 0xf9;
    throw new AudioFormatError(
      variable
        ? `FLAC frame at byte ${at} uses a variable block size: only fixed-block-size streams (what ffmpeg writes) are read`
        : `no FLAC frame header at byte ${at}, where the metadata ends (0x${bytes.subarray(at, at + 4).toString('hex')})`,
    );
  }
  // Later frames must look like the first: same sample rate code, channels and sample size.
  const like = (p: number) => (bytes[p + 2]! & 0x0f) === (bytes[at + 2]! & 0x0f) && bytes[p + 3] === bytes[at + 3];
  let start = at;
  let crc = 0;
  let p = at + first.length;
  crc = flacCrc16(bytes.subarray(at, p));
  for (;;) {
    const sync = bytes.indexOf(0xff, p);
    const stop = sync < 0 ? bytes.length : sync;
    crc = flacCrc16(bytes.subarray(p, stop), crc);
    p = stop;
    if (p >= bytes.length) break;
    // CRC-16 over a frame and its own CRC leaves 0: the frame ends here if a header starts here too.
    if (crc === 0 && bytes[p + 1] === 0xf8 && like(p) && readFlacFrameHeader(bytes, p) !== undefined) {
      frames.push(bytes.subarray(start, p));
      start = p;
      crc = 0;
    }
    crc = flacCrc16(bytes.subarray(p, p + 1), crc);
    p += 1;
  }
  if (crc !== 0) {
    throw new AudioFormatError(`FLAC frame ${frames.length} at byte ${start} is corrupt or cut short: no CRC-16 checks between it and the end of the data`);
  }
  frames.push(bytes.subarray(start));
  return { streamInfo: streamInfo!, frames };
}

function readStreamInfo(body: Buffer): FlacStreamInfo {
  const packed = body.readBigUInt64BE(10);
  return {
    minBlockSize: body.readUInt16BE(0),
    maxBlockSize: body.readUInt16BE(2),
    minFrameSize: body.readUIntBE(4, 3),
    maxFrameSize: body.readUIntBE(7, 3),
    sampleRate: Number(packed >> 44n),
    channels: Number((packed >> 41n) & 0x7n) + 1,
    bitsPerSample: Number((packed >> 36n) & 0x1fn) + 1,
    totalSamples: Number(packed & 0xfffffffffn),
  };
}

/** What writeFlac needs besides the frames. */
export interface FlacOptions {
  sampleRate: number;
  channels: 1;
  bitsPerSample: 16;
  /** Samples per frame (4608 here); every frame holds this many but the last, which may hold fewer. */
  blockSize: number;
  /** Samples in the whole book: STREAMINFO's total, which players show as the duration. */
  totalSamples: number;
  /** ffmpeg metadata keys (bookTags), written as Vorbis comments (bookVorbisComments). */
  tags: Record<string, string>;
  /** Written as CHAPTERnnn / CHAPTERnnnNAME comments (ffmpeg's flac demuxer reads them as chapters). */
  chapters: { title: string; startMs: number }[];
  cover?: CoverPicture;
}

/** Room left after the metadata so a tagger can add tags or a seek table without rewriting the audio (what the reference encoder leaves). */
const PADDING_BYTES = 8192;

/**
 * A complete FLAC file, streamed: "fLaC", STREAMINFO (frame sizes and MD5 left 0, "unknown", as
 * RFC 9639 allows), VORBIS_COMMENT (vendor "narrate", tags, chapters), PICTURE (front cover) when
 * there is one, PADDING, then the frames renumbered 0, 1, 2, … in the order they come (parts each
 * count from 0). Holds one frame at a time. Throws when a frame other than the last is not
 * `blockSize` long (a fixed-block-size stream cannot hold it) or when the frames do not add up to
 * `totalSamples` (after yielding them: the caller must not publish the output).
 */
export async function* writeFlac(options: FlacOptions, frames: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const blocks: { type: number; body: Buffer }[] = [
    { type: STREAMINFO, body: streamInfoBody(options) },
    { type: VORBIS_COMMENT, body: encodeVorbisComment('narrate', bookVorbisComments(options.tags, options.chapters)) },
  ];
  if (options.cover) blocks.push({ type: PICTURE, body: flacPicture(options.cover) });
  blocks.push({ type: PADDING, body: Buffer.alloc(PADDING_BYTES) });
  yield Buffer.concat([MAGIC, ...blocks.flatMap((block, i) => [blockHeader(block.type, block.body.length, i === blocks.length - 1), block.body])]);

  let number = 0;
  let samples = 0;
  let short: number | undefined;
  for await (const frame of frames) {
    const header = readFlacFrameHeader(frame, 0);
    if (header === undefined) throw new AudioFormatError(`frame ${number} is not a fixed-block-size FLAC frame: it starts with 0x${frame.subarray(0, 6).toString('hex')}`);
    if (short !== undefined) {
      throw new RangeError(`frame ${short} holds fewer than ${options.blockSize} samples but is not the last: a fixed-block-size stream can only end on a short frame`);
    }
    if (header.blockSize > options.blockSize) throw new RangeError(`frame ${number} holds ${header.blockSize} samples, more than the block size ${options.blockSize}`);
    if (header.blockSize < options.blockSize) short = number;
    if ((header.sampleRate ?? options.sampleRate) !== options.sampleRate || header.channels !== options.channels || (header.bitsPerSample ?? options.bitsPerSample) !== options.bitsPerSample) {
      throw new RangeError(`frame ${number} is ${header.sampleRate} Hz, ${header.channels} channel(s), ${header.bitsPerSample} bits; the stream is ${options.sampleRate} Hz, ${options.channels}, ${options.bitsPerSample}`);
    }
    yield renumberFlacFrame(frame, number);
    number += 1;
    samples += header.blockSize;
  }
  if (samples !== options.totalSamples) {
    throw new RangeError(`writeFlac: the frames hold ${samples} samples, STREAMINFO says ${options.totalSamples}`);
  }
}

function streamInfoBody(options: FlacOptions): Buffer {
  const body = Buffer.alloc(34); // frame sizes (bytes 4–9) and MD5 (18–33) stay 0: unknown
  body.writeUInt16BE(options.blockSize, 0);
  body.writeUInt16BE(options.blockSize, 2);
  const packed = (BigInt(options.sampleRate) << 44n) | (BigInt(options.channels - 1) << 41n) | (BigInt(options.bitsPerSample - 1) << 36n) | BigInt(options.totalSamples);
  body.writeBigUInt64BE(packed, 10);
  return body;
}

function blockHeader(type: number, length: number, last: boolean): Buffer {
  if (length >= 1 << 24) throw new RangeError(`a FLAC metadata block holds at most 16 MiB, this one (type ${type}) needs ${length} bytes`);
  const header = Buffer.alloc(4);
  header[0] = (last ? 0x80 : 0) | type;
  header.writeUIntBE(length, 1, 3);
  return header;
}
