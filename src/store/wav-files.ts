import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { WavInfo } from '../audio/parse-wav.js';
import type { SegmentLoudness } from '../audio/segment-loudness.js';
import { silence } from '../audio/silence.js';
import { durationMs } from '../audio/wav-duration.js';
import type { WavFormat } from '../audio/wav-format.js';
import { wavHeader } from '../audio/write-wav.js';
import { AudioFormatError } from '../errors.js';

/** A WAV file on disk: where its samples are (whole frames only) and how long they last. */
export interface WavFile extends WavInfo {
  path: string;
  /** Its samples' loudness, when it was measured as it was written (the spool's writer does); else measure the file. */
  loudness?: SegmentLoudness;
}

/** Samples read from elsewhere (a segment in an S3 bucket): opened only when their turn comes. */
export interface WavSource extends WavInfo {
  /** A stream of exactly `dataBytes` bytes of samples. */
  read(): Promise<Readable>;
}

/** A piece of a joined WAV: the samples of a file or of a source, or a stretch of silence. */
export type WavPart = WavFile | WavSource | { silenceMs: number };

/** Largest PCM payload a plain RIFF header can describe (its sizes are 32-bit). */
export const MAX_RIFF_DATA_BYTES = 0xffffffff - 1024;

/** Segment streams opened ahead of the one being copied (see writeJoinedWav). */
const SOURCE_LOOKAHEAD = 4;

/** Reads of 1 MiB: copying hours of audio in 64 KiB pieces costs more in calls than in bytes. */
const COPY_CHUNK_BYTES = 1024 * 1024;

/**
 * Streams parts into one WAV at `dest` (header, then an optional chunk such as LIST/INFO tags,
 * then the samples). Every byte is copied in 1 MiB pieces and each length of silence is made
 * once, so joining hours of audio takes no more memory than joining seconds.
 */
export async function joinWavFiles(parts: WavPart[], format: WavFormat, dest: string, options: { infoChunk?: Buffer } = {}): Promise<WavFile> {
  const out = createWriteStream(dest);
  const done = new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.once('finish', resolve);
  });
  let written: WavInfo;
  try {
    written = await writeJoinedWav(parts, format, out, options);
    out.end();
    await done;
  } catch (error) {
    out.destroy();
    throw error;
  }
  return { path: dest, ...written };
}

/**
 * Writes the joined WAV to a stream (a file, or an encoder's stdin) without ending it. With
 * `streaming`, audio too long for a RIFF header gets the streaming sizes (0xFFFFFFFF) instead of an
 * error: the reader (ffmpeg with -ignore_length) reads to the end.
 */
export async function writeJoinedWav(parts: WavPart[], format: WavFormat, out: Writable, options: { infoChunk?: Buffer; streaming?: boolean } = {}): Promise<WavInfo> {
  const silences = new Map<number, Buffer>();
  const silenceOf = (ms: number) => {
    let buf = silences.get(ms);
    if (!buf) silences.set(ms, (buf = silence(format, ms)));
    return buf;
  };
  const total = parts.reduce((n, p) => n + ('silenceMs' in p ? silenceOf(p.silenceMs).length : p.dataBytes), 0);
  const tooLong = total > MAX_RIFF_DATA_BYTES;
  if (tooLong && !options.streaming) throw new AudioFormatError(`audio of ${total} bytes does not fit a RIFF header`, { retryable: false });
  const header = withChunk(tooLong ? streamingHeader(format) : wavHeader(format, total), options.infoChunk ?? Buffer.alloc(0));
  // Sources (ranged GETs from a bucket) are opened a few parts ahead, so one request's latency
  // overlaps the copy of the parts before it; each waits with at most a socket buffer's worth.
  const opened = new Map<number, Promise<Readable>>();
  const openAhead = (from: number) => {
    for (let j = from; j < Math.min(parts.length, from + SOURCE_LOOKAHEAD); j++) {
      const p = parts[j]!;
      if (!('read' in p) || opened.has(j)) continue;
      const stream = p.read();
      stream.catch(() => undefined);
      opened.set(j, stream);
    }
  };
  try {
    await write(out, header);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if ('silenceMs' in part) {
        await write(out, silenceOf(part.silenceMs));
        continue;
      }
      openAhead(i);
      const ahead = opened.get(i);
      opened.delete(i);
      const source = ahead ? await ahead : createReadStream((part as WavFile).path, { start: part.dataOffset, end: part.dataOffset + part.dataBytes - 1, highWaterMark: COPY_CHUNK_BYTES });
      // Copied by hand, not with pipeline(..., { end: false }): that leaves a listener on `out` per
      // part, and a book has thousands of parts.
      try {
        for await (const piece of source) await write(out, piece as Buffer);
      } catch (error) {
        source.destroy();
        throw error;
      }
    }
  } finally {
    // A failure part-way: the streams opened ahead are not read, and must not hold their sockets.
    for (const stream of opened.values()) void stream.then((s) => s.destroy(), () => undefined);
  }
  return { format, dataOffset: header.length, dataBytes: total, durationMs: durationMs(format, total) };
}

/** A header whose sizes say "unknown" (0xFFFFFFFF), as servers that stream WAV write it. */
function streamingHeader(format: WavFormat): Buffer {
  const header = wavHeader(format, 0);
  header.writeUInt32LE(0xffffffff, 4);
  header.writeUInt32LE(0xffffffff, 40);
  return header;
}

/** A 44-byte header with `chunk` inserted before the data chunk, and the RIFF size grown to match. */
function withChunk(header: Buffer, chunk: Buffer): Buffer {
  if (chunk.length === 0) return header;
  const out = Buffer.concat([header.subarray(0, 36), chunk, header.subarray(36)]);
  out.writeUInt32LE(header.readUInt32LE(4) + chunk.length, 4);
  return out;
}

function write(out: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(data, (error) => (error ? reject(error) : resolve()));
  });
}
