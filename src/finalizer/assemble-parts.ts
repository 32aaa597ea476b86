import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { leadFrames, type Codec } from './codecs.js';
import { withoutLeadFrames } from './elementary-frames.js';
import { ffmetadata } from './ffmetadata.js';
import { coverArgs } from './book-tags.js';
import { INPUT_QUEUE_PACKETS, runFfmpeg } from './ffmpeg.js';
import { partDemuxer } from './part-stream.js';

/**
 * Joins encoded parts into one file by stream copy (no re-encoding), with tags and chapter marks.
 *
 * Every part starts with the codec's lead frames (AAC's priming). The first part keeps them (but
 * its `headFrames`, see codecs.ts) and the container trims the delay once (`-itsoffset` makes the first packet start before zero, so the MP4
 * muxer writes an edit list); every later part drops them, which is exact because each part before
 * it filled whole frames and the join lies in a pause, where the frames on both sides hold silence.
 * The frames reach ffmpeg through a pipe as they are read (from a directory or a bucket), so the
 * joined stream never exists as a file of its own. `output` is a scratch path the caller publishes.
 */
export async function assembleParts(options: {
  codec: Codec;
  /** The parts' names, in order, and how to read one (BookOutput.read). */
  parts: readonly string[];
  read: (part: string) => Promise<Readable>;
  output: string;
  tags: Record<string, string>;
  chapters: readonly { title: string; startMs: number; endMs: number }[];
  /** A checked JPEG or PNG, embedded as the attached picture where the container takes one. */
  cover?: string;
  signal?: AbortSignal;
}): Promise<void> {
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
        '-f', partDemuxer(codec), '-i', 'pipe:0',
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
    yield* withoutLeadFrames(codec.partStream, await read(parts[i]!), i === 0 ? codec.headFrames : lead);
  }
}
