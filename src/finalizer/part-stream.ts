import type { Codec } from './codecs.js';

/**
 * How an encoded part is written and read back: a bare elementary stream of self-delimiting frames
 * (ADTS for AAC, MPEG audio frames for MP3), with no header or tag, so the assembly can drop frames
 * from its start without parsing a container.
 */

/** File extension of a part. */
export function partExtension(codec: Codec): string {
  return codec.partStream === 'adts' ? 'aac' : 'mp3';
}

/** ffmpeg muxer arguments writing a part: frames only. */
export function partMuxer(codec: Codec): string[] {
  return codec.partStream === 'adts' ? ['-f', 'adts'] : ['-write_xing', '0', '-id3v2_version', '0', '-f', 'mp3'];
}

/** ffmpeg's demuxer name for reading parts back (`-f` before `-i`). */
export function partDemuxer(codec: Codec): string {
  return codec.partStream === 'adts' ? 'aac' : 'mp3';
}
