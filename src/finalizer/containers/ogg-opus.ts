import { randomInt } from 'node:crypto';
import { AudioFormatError } from '../../errors.js';
import { bookVorbisComments } from './book-vorbis-comments.js';
import { flacPicture, type CoverPicture } from './flac-picture.js';
import { oggPacketPages, readOggPackets } from './ogg-packets.js';
import { OGG_BOS } from './ogg-page.js';
import { opusPacketSamples } from './opus-packet-samples.js';
import { encodeVorbisComment, readVorbisComment } from './vorbis-comment.js';

/*
 * What ffmpeg 5.1's libopus makes of the book's audio, measured here (24 kHz mono s16le in,
 * `ffmpeg -f s16le -ar 24000 -ac 1 -i in.pcm -c:a libopus -b:a 32k -f ogg part.opus`, the packets
 * then counted with readOggOpus; `-f opus` writes the same stream, only the random serial differs):
 *
 * - pre-skip 312 (48 kHz samples: 6.5 ms, libopus's lookahead at 24 kHz input; 156 input samples);
 * - every packet lasts 20 ms (960 samples at 48 kHz, 480 input samples): TOC configuration 13
 *   (hybrid, super-wideband, 20 ms), one frame per packet (code 0);
 * - N input samples, N a multiple of 480, come out as N/480 + 1 packets (480 → 2, 4800 → 11,
 *   24000 → 51, 48000 → 101), and the last page's granule is 312 + 2N: ffmpeg trims the end exactly.
 *
 * So a part is cut on multiples of 480 book samples, and a part after another drops its first
 * packet (ceil(312/960) = 1 lead packet), like AAC's priming frame: packet k of a part covers input
 * [960k − 312, 960k + 648) at 48 kHz, so the kept packets follow the previous part's last one with
 * no gap, and the joined stream keeps the first part's pre-skip and trims its end with the granule.
 */

/** The identification header of an Ogg Opus stream (RFC 7845 §5.1). */
export interface OpusHead {
  /** Encapsulation version: 1 (the upper four bits are the major version, 0). */
  version: number;
  channels: number;
  /** 48 kHz samples the decoder drops from the start: the encoder's delay. */
  preSkip: number;
  /** Sample rate of the audio the encoder was given (information only: Opus decodes at 48 kHz). */
  inputSampleRate: number;
  /** Gain to apply on decoding, in Q7.8 dB. */
  outputGain: number;
  /** Channel mapping family: 0 for mono and stereo. */
  mappingFamily: number;
}

/** An Ogg Opus file taken apart (see readOggOpus). */
export interface OggOpus {
  head: OpusHead;
  /** The OpusTags header's vendor string and FIELD=value comments. */
  tags: { vendor: string; comments: string[] };
  /** The audio packets, in order. */
  packets: Buffer[];
  /** Granule position of the last page (48 kHz samples including the pre-skip; the end trim). */
  lastGranule: number;
  serial: number;
}

/**
 * Takes an Ogg Opus file apart: its OpusHead, OpusTags and audio packets, every page's CRC checked.
 * Throws AudioFormatError on bytes that are not a single Ogg Opus stream.
 */
export function readOggOpus(bytes: Buffer): OggOpus {
  let head: OpusHead | undefined;
  let tags: OggOpus['tags'] | undefined;
  const packets: Buffer[] = [];
  let lastGranule = 0n;
  let serial = 0;
  for (const { data, page } of readOggPackets(bytes)) {
    if (head === undefined) {
      head = readOpusHead(data);
      if ((page.flags & OGG_BOS) === 0) throw new AudioFormatError('not Ogg Opus: its first page is not flagged as the beginning of a stream');
      serial = page.serial;
    } else if (tags === undefined) {
      if (data.toString('latin1', 0, 8) !== 'OpusTags') throw new AudioFormatError(`not Ogg Opus: its second packet is not OpusTags (it starts with 0x${data.subarray(0, 8).toString('hex')})`);
      tags = readVorbisComment(data.subarray(8));
    } else {
      opusPacketSamples(data);
      packets.push(data);
    }
    lastGranule = page.granule;
  }
  if (head === undefined) throw new AudioFormatError('not Ogg Opus: no packets at all');
  if (tags === undefined) throw new AudioFormatError('not Ogg Opus: it ends before its OpusTags header');
  return { head, tags, packets, lastGranule: Number(lastGranule), serial };
}

function readOpusHead(data: Buffer): OpusHead {
  if (data.length < 19 || data.toString('latin1', 0, 8) !== 'OpusHead') {
    throw new AudioFormatError(`not Ogg Opus: its first packet is not an OpusHead (it starts with 0x${data.subarray(0, 8).toString('hex')})`);
  }
  const version = data[8]!;
  if (version >> 4 !== 0) throw new AudioFormatError(`Ogg Opus version ${version >> 4}.${version & 15} is not one this reader knows (0.x)`);
  const head = { version, channels: data[9]!, preSkip: data.readUInt16LE(10), inputSampleRate: data.readUInt32LE(12), outputGain: data.readInt16LE(16), mappingFamily: data[18]! };
  if (head.channels === 0) throw new AudioFormatError('OpusHead says 0 channels');
  return head;
}

/** What writeOggOpus needs besides the packets. */
export interface OggOpusOptions {
  /** The encoder's pre-skip, from the first part's OpusHead (48 kHz samples; 312 for ffmpeg's libopus here). */
  preSkip: number;
  /** The sample rate the parts were encoded from (the book's 24 kHz); players may show it. */
  inputSampleRate: number;
  channels: 1;
  /** ffmpeg metadata keys (bookTags), written as Vorbis comments (bookVorbisComments). */
  tags: Record<string, string>;
  /** Written as CHAPTERnnn / CHAPTERnnnNAME comments, which ffmpeg and players read as chapters. */
  chapters: { title: string; startMs: number }[];
  cover?: CoverPicture;
  /** The book's length in 48 kHz samples: the last page's granule is preSkip + this, trimming the padding. */
  totalSamples48k: number;
  /** The stream's serial number; a random one by default, as RFC 3533 asks (pass one for identical bytes). */
  serial?: number;
}

/** 48 kHz samples of audio per page: about a second, as opusenc and ffmpeg write. */
const PAGE_SAMPLES = 48_000;

/**
 * A complete Ogg Opus file, streamed: the OpusHead page, the OpusTags page(s) (tags, chapters,
 * cover), then the packets in pages of about a second, each page's granule counted from the
 * packets' TOC bytes and the last one set to preSkip + totalSamples48k (RFC 7845 §4.4's end trim).
 * Holds one page of packets at a time.
 */
export async function* writeOggOpus(options: OggOpusOptions, packets: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const serial = options.serial ?? randomInt(0, 2 ** 32 - 1);
  let sequence = 0;
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = options.channels;
  head.writeUInt16LE(options.preSkip, 10);
  head.writeUInt32LE(options.inputSampleRate, 12);
  head.writeInt16LE(0, 16);
  head[18] = 0; // mapping family 0: mono or stereo, no channel mapping table
  // RFC 7845 §3: OpusHead alone on the first page, OpusTags ending a page of its own, both at granule 0.
  for (const page of oggPacketPages([{ data: head, granule: 0n }], { serial, sequence, bos: true, eos: false })) {
    sequence += 1;
    yield page;
  }
  const comments = bookVorbisComments(options.tags, options.chapters);
  if (options.cover) comments.push(`METADATA_BLOCK_PICTURE=${flacPicture(options.cover).toString('base64')}`);
  const tags = Buffer.concat([Buffer.from('OpusTags', 'latin1'), encodeVorbisComment('narrate', comments)]);
  for (const page of oggPacketPages([{ data: tags, granule: 0n }], { serial, sequence, bos: false, eos: false })) {
    sequence += 1;
    yield page;
  }

  let batch: { data: Buffer; granule: bigint }[] = [];
  let batchSamples = 0;
  let batchLacing = 0;
  let granule = 0n;
  let flushedGranule = 0n;
  for await (const packet of packets) {
    const samples = opusPacketSamples(packet);
    const lacing = Math.floor(packet.length / 255) + 1;
    if (batch.length > 0 && (batchSamples >= PAGE_SAMPLES || batchLacing + lacing > 255)) {
      for (const page of oggPacketPages(batch, { serial, sequence, bos: false, eos: false })) {
        sequence += 1;
        yield page;
      }
      flushedGranule = granule;
      batch = [];
      batchSamples = 0;
      batchLacing = 0;
    }
    granule += BigInt(samples);
    batch.push({ data: packet, granule });
    batchSamples += samples;
    batchLacing += lacing;
  }
  const last = batch[batch.length - 1];
  if (last === undefined) throw new RangeError('writeOggOpus: no audio packets');
  const end = BigInt(options.preSkip) + BigInt(options.totalSamples48k);
  if (end > granule) {
    throw new RangeError(`writeOggOpus: preSkip + totalSamples48k is ${end} samples but the packets hold ${granule}: a granule cannot promise audio that is not there`);
  }
  // End trimming may only cut into the last page's audio: a granule before the previous page's would go backwards.
  if (end < flushedGranule) {
    throw new RangeError(`writeOggOpus: preSkip + totalSamples48k is ${end} samples, before the ${flushedGranule} the pages before the last already hold`);
  }
  last.granule = end;
  for (const page of oggPacketPages(batch, { serial, sequence, bos: false, eos: true })) yield page;
}
