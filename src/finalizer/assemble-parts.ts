import { createReadStream } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { leadFrames, type Codec } from './codecs.js';
import { offsetAfterFrames } from './elementary-frames.js';
import { ffmetadata } from './ffmetadata.js';
import { coverArgs } from './book-tags.js';
import { runFfmpeg } from './ffmpeg.js';

/** Reads of 1 MiB: the book's frames are copied, never held. */
const COPY_BYTES = 1024 * 1024;

/**
 * Joins encoded parts into one file by stream copy (no re-encoding), with tags and chapter marks.
 *
 * Every part starts with the codec's lead frames (AAC's priming). The first part keeps them and the
 * container trims the delay once (`-itsoffset` makes the first packet start before zero, so the MP4
 * muxer writes an edit list); every later part drops them, which is exact because each part before
 * it filled whole frames and the join lies in a pause, where the frames on both sides hold silence.
 * The frames reach ffmpeg through a pipe, so the joined stream never exists as a file of its own.
 */
export async function assembleParts(options: {
  codec: Codec;
  parts: readonly string[];
  output: string;
  tags: Record<string, string>;
  chapters: readonly { title: string; startMs: number; endMs: number }[];
  /** A checked JPEG or PNG, embedded as the attached picture where the container takes one. */
  cover?: string;
  signal?: AbortSignal;
}): Promise<void> {
  const { codec, output } = options;
  const work = await mkdtemp(join(tmpdir(), 'narrate-assemble-'));
  const partial = join(dirname(output), `.${basename(output)}.${process.pid}.${Date.now()}.partial`);
  try {
    const metadataFile = join(work, 'metadata.txt');
    await writeFile(metadataFile, ffmetadata(options.tags, [...options.chapters]));
    const rate = codec.sampleRate ?? BOOK_FORMAT.sampleRate;
    const cover = options.cover === undefined ? [] : coverArgs(codec.format, 2);
    await runFfmpeg(
      [
        '-itsoffset', (-codec.delay / rate).toFixed(9),
        '-f', codec.partStream === 'adts' ? 'aac' : 'mp3', '-i', 'pipe:0',
        '-f', 'ffmetadata', '-i', metadataFile,
        ...(cover.length > 0 ? ['-i', options.cover!] : []),
        '-map', '0:a', '-map_metadata', '1', '-map_chapters', '1', '-c:a', 'copy',
        ...cover,
        ...codec.container,
        partial,
      ],
      { input: framesOf(codec, options.parts), ...(options.signal ? { signal: options.signal } : {}) },
    );
    await rename(partial, output);
  } finally {
    await rm(partial, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}

/** The parts' frames in order, each part after the first without its lead frames. */
async function* framesOf(codec: Codec, parts: readonly string[]): AsyncGenerator<Buffer> {
  const lead = leadFrames(codec);
  for (let i = 0; i < parts.length; i++) {
    const start = i === 0 ? 0 : await offsetAfterFrames(codec.partStream, parts[i]!, lead);
    for await (const piece of createReadStream(parts[i]!, { start, highWaterMark: COPY_BYTES })) yield piece as Buffer;
  }
}
