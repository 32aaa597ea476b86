import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { leadFrames, type Codec } from './codecs.js';
import { withoutLeadFrames, type FrameStream } from './containers/elementary-frames.js';
import { coverTypeOf } from './cover-image.js';
import type { CoverPicture } from './containers/flac-picture.js';
import { readFlacFrames, writeFlac, type FlacOptions } from './containers/flac-stream.js';
import { readOggOpus, writeOggOpus, type OggOpusOptions } from './containers/ogg-opus.js';
import { ffmetadata } from './ffmetadata.js';
import { coverArgs } from './book-tags.js';
import { INPUT_QUEUE_PACKETS, runFfmpeg } from './ffmpeg.js';
import { partInput } from './part-stream.js';

/**
 * Joins encoded parts into one file by stream copy (no re-encoding), with tags and chapter marks.
 *
 * Every part starts with the codec's lead frames (AAC's priming, Opus's pre-skip packet). The first
 * part keeps them (but its `headFrames`, see codecs.ts) and the container trims the delay once;
 * every later part drops them, which is exact because each part before it filled whole frames and
 * the join lies in a pause, where the frames on both sides hold silence. AAC, MP3 and PCM reach
 * ffmpeg through a pipe as they are read (from a directory or a bucket), so the joined stream never
 * exists as a file of its own (`-itsoffset` makes the first packet start before zero, so the MP4
 * muxer writes an edit list); Opus packets and FLAC frames are written into their containers here
 * (ogg-opus.ts, flac-stream.ts), one part in memory at a time. `output` is a scratch path the caller publishes.
 */
export async function assembleParts(options: AssembleOptions): Promise<void> {
  switch (options.codec.partStream) {
    case 'ogg-opus': {
      // The first part is read once: its head gives the pre-skip, its packets open the book.
      const first = readOggOpus(await partBytes(options, options.parts[0]!));
      return writeFile(options.output, writeOggOpus(await oggOptions(options, first.head.preSkip), opusPackets(options, first.packets)), options.signal ? { signal: options.signal } : {});
    }
    case 'flac':
      return writeFile(options.output, writeFlac(await flacOptions(options), flacFrames(options)), options.signal ? { signal: options.signal } : {});
    default:
      return assembleWithFfmpeg(options);
  }
}

interface AssembleOptions {
  codec: Codec;
  /** The parts' names, in order, and how to read one (BookOutput.read). */
  parts: readonly string[];
  read: (part: string) => Promise<Readable>;
  output: string;
  /** Samples the joined parts hold at the book's rate (the sum of their layouts). */
  samples: number;
  tags: Record<string, string>;
  chapters: readonly { title: string; startMs: number; endMs: number }[];
  /** A checked JPEG or PNG, embedded as the attached picture where the container takes one. */
  cover?: string;
  signal?: AbortSignal;
}

async function assembleWithFfmpeg(options: AssembleOptions): Promise<void> {
  const { codec, output } = options;
  const work = await mkdtemp(join(tmpdir(), 'narrate-assemble-'));
  try {
    const metadataFile = join(work, 'metadata.txt');
    await writeFile(metadataFile, ffmetadata(options.tags, [...options.chapters]));
    const rate = codec.sampleRate ?? BOOK_FORMAT.sampleRate;
    const cover = options.cover === undefined ? [] : coverArgs(codec.format, 2);
    await runFfmpeg(
      [
        '-itsoffset', (-codec.delay / rate).toFixed(9),
        // With more than one input ffmpeg reads each on a thread through a queue of 8 packets by
        // default and naps 10 ms whenever it runs dry: with ~300-byte AAC frames that caps the copy
        // at ~300 KB/s (a 10-hour book in 16 minutes). A deep queue lets it run at disk speed.
        '-thread_queue_size', String(INPUT_QUEUE_PACKETS),
        ...partInput(codec), '-i', 'pipe:0',
        '-f', 'ffmetadata', '-i', metadataFile,
        ...(cover.length > 0 ? ['-i', options.cover!] : []),
        '-map', '0:a', '-map_metadata', '1', '-map_chapters', '1', '-c:a', 'copy',
        ...cover,
        ...codec.container,
        output,
      ],
      { input: framesOf(codec, options.parts, options.read), ...(options.signal ? { signal: options.signal } : {}) },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The parts' frames in order: the first without its head frames, each later one without its lead frames. */
async function* framesOf(codec: Codec, parts: readonly string[], read: (part: string) => Promise<Readable>): AsyncGenerator<Buffer> {
  const lead = leadFrames(codec);
  for (let i = 0; i < parts.length; i++) {
    const drop = i === 0 ? codec.headFrames : lead;
    const source = await read(parts[i]!);
    if (drop === 0 || codec.partStream === 'pcm') yield* source as AsyncIterable<Buffer>;
    else yield* withoutLeadFrames(codec.partStream as FrameStream, source, drop);
  }
}

/** A whole part's bytes (an Opus or FLAC part is parsed whole: a few MB at most). */
async function partBytes(options: AssembleOptions, part: string): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of await options.read(part)) pieces.push(piece as Buffer);
  return Buffer.concat(pieces);
}

async function coverPicture(options: AssembleOptions): Promise<{ cover?: CoverPicture }> {
  if (options.cover === undefined) return {};
  const data = await readFile(options.cover);
  const type = coverTypeOf(data);
  return type ? { cover: { mime: type === 'png' ? 'image/png' : 'image/jpeg', data } } : {};
}

async function oggOptions(options: AssembleOptions, preSkip: number): Promise<OggOpusOptions> {
  return {
    preSkip,
    inputSampleRate: BOOK_FORMAT.sampleRate,
    channels: 1,
    tags: options.tags,
    chapters: [...options.chapters],
    ...(await coverPicture(options)),
    // Granules count 48 kHz samples: the end trim leaves exactly the planned samples.
    totalSamples48k: (options.samples * 48_000) / BOOK_FORMAT.sampleRate,
  };
}

/** The first part's packets, then each later part's without its lead packets. */
async function* opusPackets(options: AssembleOptions, first: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* first;
  const lead = leadFrames(options.codec);
  for (const part of options.parts.slice(1)) yield* readOggOpus(await partBytes(options, part)).packets.slice(lead);
}

async function flacOptions(options: AssembleOptions): Promise<FlacOptions> {
  return {
    sampleRate: BOOK_FORMAT.sampleRate,
    channels: 1,
    bitsPerSample: 16,
    blockSize: options.codec.frameSize,
    totalSamples: options.samples,
    tags: options.tags,
    chapters: [...options.chapters],
    ...(await coverPicture(options)),
  };
}

async function* flacFrames(options: AssembleOptions): AsyncGenerator<Buffer> {
  for (const part of options.parts) yield* readFlacFrames(await partBytes(options, part)).frames;
}
