import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { readWavInfo, type WavInfo } from '../audio/parse-wav.js';
import { WAV_HEADER_BYTES } from '../audio/write-wav.js';
import { AudioFormatError } from '../errors.js';
import type { StoredSegment, SegmentMeta } from './stored-segment.js';

/**
 * One stored segment is one file: a canonical WAV (44-byte header, the samples) followed by a RIFF
 * chunk `narr` holding the segment's metadata as JSON. Players, ffmpeg and the finalizer read the
 * samples and skip the chunk, as RIFF readers skip any chunk they do not know.
 *
 * Why not a JSON file beside the WAV: creating a file is the dearest file call there is (from
 * 0.02 to 0.8 ms of kernel time on the bench machine, depending on the directory and the hour:
 * `node bench/fs-call-cost.mjs`), and the metadata then needed a second atomic rename of its own.
 * Now the audio and what is known about it appear together, in one rename.
 */
export const META_CHUNK_ID = 'narr';

/** Metadata larger than this is not ours (a transcript is a few KB): the file is treated as foreign. */
const MAX_META_BYTES = 4 * 1024 * 1024;

/**
 * Appends the metadata chunk to a canonical WAV (as the spool writes them) and grows its RIFF size
 * to match; a metadata chunk already there is replaced (a reading kept after a failed store write
 * is stored again). In-line file calls: this runs once per chunk on the worker's hot path.
 */
export function appendMetaSync(path: string, meta: SegmentMeta): void {
  const fd = openSync(path, 'r+');
  try {
    const { end, size } = canonicalLayout(fd, path);
    const json = Buffer.from(JSON.stringify(meta), 'utf8');
    const chunk = Buffer.alloc(8 + json.length + (json.length % 2));
    chunk.write(META_CHUNK_ID, 0, 'latin1');
    chunk.writeUInt32LE(json.length, 4);
    json.copy(chunk, 8);
    writeSync(fd, chunk, 0, chunk.length, end);
    const riffSize = Buffer.alloc(4);
    riffSize.writeUInt32LE(end + chunk.length - 8);
    writeSync(fd, riffSize, 0, 4, 4);
    if (size > end + chunk.length) ftruncateSync(fd, end + chunk.length);
  } finally {
    closeSync(fd);
  }
}

/**
 * A stored segment's audio layout and metadata, or undefined when there is no file, or it is torn
 * or foreign (no metadata chunk, unreadable JSON): such a segment is made again, never trusted.
 */
export function readSegmentSync(path: string): StoredSegment | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    let layout: ReturnType<typeof canonicalLayout>;
    try {
      layout = canonicalLayout(fd, path);
    } catch (error) {
      // Not our shape: made again. A failing disk is not hidden.
      if (error instanceof AudioFormatError) return undefined;
      throw error;
    }
    const { info, size, end } = layout;
    if (size < end + 8 || size - end > MAX_META_BYTES) return undefined;
    const tail = Buffer.alloc(size - end);
    readSync(fd, tail, 0, tail.length, end);
    const length = tail.readUInt32LE(4);
    if (tail.toString('latin1', 0, 4) !== META_CHUNK_ID || 8 + length > tail.length) return undefined;
    let meta: SegmentMeta;
    try {
      meta = JSON.parse(tail.toString('utf8', 8, 8 + length)) as SegmentMeta;
    } catch {
      return undefined;
    }
    return { audio: { path, ...info }, meta };
  } finally {
    closeSync(fd);
  }
}

/**
 * The open file's size, its samples' layout from the 44-byte header, and where the data chunk
 * ends (RIFF pads an odd-sized chunk with one byte). AudioFormatError when it is not a canonical WAV.
 */
function canonicalLayout(fd: number, path: string): { info: WavInfo; size: number; end: number } {
  const size = fstatSync(fd).size;
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  if (readSync(fd, header, 0, WAV_HEADER_BYTES, 0) < WAV_HEADER_BYTES) throw new AudioFormatError(`${path}: shorter than a WAV header`);
  const info = readWavInfo(header, size);
  if (info.dataOffset !== WAV_HEADER_BYTES) throw new AudioFormatError(`${path}: not a canonical WAV (data at byte ${info.dataOffset})`);
  return { info, size, end: WAV_HEADER_BYTES + info.dataBytes + (info.dataBytes % 2) };
}

/** The metadata of a `narr` chunk (its 8-byte header, then JSON), or undefined when `bytes` is not one. */
export function parseMetaChunk(bytes: Buffer): SegmentMeta | undefined {
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== META_CHUNK_ID) return undefined;
  const length = bytes.readUInt32LE(4);
  if (8 + length > bytes.length) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8', 8, 8 + length)) as SegmentMeta;
  } catch {
    return undefined;
  }
}
