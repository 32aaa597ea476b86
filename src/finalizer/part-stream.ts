import { BOOK_FORMAT, frameBytes } from '../audio/wav-format.js';
import type { Codec } from './codecs.js';
import { frameOffsets } from './containers/elementary-frames.js';
import { readFlacFrames } from './containers/flac-stream.js';
import { readOggOpus } from './containers/ogg-opus.js';

/**
 * How an encoded part is written and read back. AAC and MP3 parts are bare elementary streams of
 * self-delimiting frames (ADTS, MPEG audio frames), with no header or tag, so the assembly drops
 * frames from their start without parsing a container; WAV parts are raw PCM. Opus and FLAC parts
 * are the files ffmpeg writes (Ogg Opus, native FLAC), whose packets and frames narrate reads itself.
 */

/** File extension of a part. */
export function partExtension(codec: Codec): string {
  switch (codec.partStream) {
    case 'adts':
      return 'aac';
    case 'mp3':
      return 'mp3';
    case 'pcm':
      return 'pcm';
    case 'ogg-opus':
      return 'opus';
    case 'flac':
      return 'flac';
  }
}

/** ffmpeg muxer arguments writing a part. */
export function partMuxer(codec: Codec): string[] {
  switch (codec.partStream) {
    case 'adts':
      return ['-f', 'adts'];
    case 'mp3':
      return ['-write_xing', '0', '-id3v2_version', '0', '-f', 'mp3'];
    case 'pcm':
      return ['-f', 's16le'];
    case 'ogg-opus':
      return ['-f', 'ogg'];
    case 'flac':
      return ['-f', 'flac'];
  }
}

/** ffmpeg's input arguments (before `-i`) reading a part back. */
export function partInput(codec: Codec): string[] {
  switch (codec.partStream) {
    case 'adts':
      return ['-f', 'aac'];
    case 'mp3':
      return ['-f', 'mp3'];
    case 'pcm':
      return ['-f', 's16le', '-ar', String(codec.sampleRate ?? BOOK_FORMAT.sampleRate), '-ac', String(BOOK_FORMAT.channels)];
    case 'ogg-opus':
      return ['-f', 'ogg'];
    case 'flac':
      return ['-f', 'flac'];
  }
}

/** The coded frames (packets, for Opus; samples, for PCM) an encoded part holds. Throws on bytes that are not one. */
export function partFrameCount(codec: Codec, bytes: Buffer): number {
  switch (codec.partStream) {
    case 'adts':
    case 'mp3':
      return frameOffsets(codec.partStream, bytes).length - 1;
    case 'pcm':
      return bytes.length / frameBytes(BOOK_FORMAT);
    case 'ogg-opus':
      return readOggOpus(bytes).packets.length;
    case 'flac':
      return readFlacFrames(bytes).frames.length;
  }
}
