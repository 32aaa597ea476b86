import type { OutputFormat } from '../contracts/job-data.js';

/**
 * How one output format is encoded in parts and assembled by stream copy. Every number here was
 * measured on this machine's ffmpeg (5.1), not taken from a spec sheet, and every encode checks
 * them again: a part with other than the frames promised here fails (encode-part.ts, checkFrames);
 * `npx vitest run test/integration/finish-joins.test.ts` joins real speech in every format.
 */
export interface Codec {
  format: OutputFormat;
  /** Encoder arguments of a part (after `-i`), e.g. `-c:a aac -b:a 64k`. */
  encoder: string[];
  /** Sample rate of the encoded stream (Hz); undefined keeps the book's (24 kHz). */
  sampleRate: number | undefined;
  /** Samples per coded frame at `sampleRate`: parts are cut on multiples of it. */
  frameSize: number;
  /**
   * Samples before the first input sample in the decoded stream (encoder delay plus, for MP3, the
   * decoder's filterbank delay). The assembled file trims it once at its start.
   */
  delay: number;
  /**
   * Frames dropped from the start of the book's first part, for the delay the container does not
   * trim itself. MP4 trims all of AAC's with an edit list (0); the LAME header ffmpeg's mp3 muxer
   * writes trims only the decoder's 529 samples, so MP3 drops its first frame, which holds nothing
   * but the encoder's 576 samples of delay (with the bit reservoir off it lends no bytes onward).
   */
  headFrames: number;
  /**
   * How a part is written and joined (part-stream.ts): a raw elementary stream of self-delimiting
   * frames (ADTS for AAC, bare MPEG audio frames for MP3) or raw PCM, joined by ffmpeg with
   * `-c:a copy`; or Ogg Opus and FLAC files, whose packets and frames narrate joins itself
   * (ogg-opus.ts, flac-stream.ts): ffmpeg can copy neither without a container of its own.
   */
  partStream: 'adts' | 'mp3' | 'pcm' | 'ogg-opus' | 'flac';
  /** Muxer arguments of the assembled book and chapter files (after `-c:a copy`); none for the formats narrate writes itself. */
  container: string[];
  /** File extension of the book and chapter files. */
  extension: string;
}

/**
 * ffmpeg's native AAC encoder with its `fast` coder: on the offline voice's speech it runs ~200× real
 * time on one core here against ~35× for the default `twoloop` (`npm run bench`, section 6), and
 * ffmpeg's own developers found it the better of the two above low bitrates (they made it the
 * default in 2018 for that reason). 64 kb/s of mono speech at 24 kHz is well above that range.
 */
const AAC_ENCODER = Object.freeze(['-c:a', 'aac', '-aac_coder', 'fast', '-b:a', '64k']) as string[];

/**
 * Every format, encoded in parts while the book is narrated.
 *
 * AAC (ffmpeg's native encoder): 1024-sample frames; N input samples (N a multiple of 1024) come
 * out as N/1024 + 1 packets, the first being the 1024-sample priming. MP3 (libmp3lame at 24 kHz,
 * MPEG-2 layer III): 576-sample frames, N samples come out as N/576 + 2 frames with the audio
 * starting 1105 samples in (576 encoder + 529 decoder delay). `-reservoir 0`: with the bit reservoir
 * a frame may borrow bytes from the frames before it, and a part whose leading frames are dropped
 * at a join would then decode the previous part's bytes as its own (a click).
 */
export const CODECS: Readonly<Record<OutputFormat, Codec>> = Object.freeze({
  m4b: {
    format: 'm4b',
    encoder: AAC_ENCODER,
    sampleRate: undefined,
    frameSize: 1024,
    delay: 1024,
    headFrames: 0,
    partStream: 'adts',
    // The mp4 muxer with the audiobook brand: it writes the QuickTime chapter track and Nero chpl
    // (at most 255 entries; the track keeps them all), the ilst tags and a cover (covr), which the
    // ipod muxer refuses.
    container: ['-movflags', '+faststart', '-brand', 'M4B ', '-f', 'mp4'],
    extension: 'm4b',
  },
  m4a: {
    format: 'm4a',
    encoder: AAC_ENCODER,
    sampleRate: undefined,
    frameSize: 1024,
    delay: 1024,
    headFrames: 0,
    partStream: 'adts',
    container: ['-movflags', '+faststart', '-brand', 'M4A ', '-f', 'mp4'],
    extension: 'm4a',
  },
  mp3: {
    format: 'mp3',
    encoder: ['-c:a', 'libmp3lame', '-b:a', '64k', '-reservoir', '0'],
    sampleRate: undefined,
    frameSize: 576,
    delay: 1105,
    headFrames: 1,
    partStream: 'mp3',
    container: ['-id3v2_version', '3', '-f', 'mp3'],
    extension: 'mp3',
  },
  // libopus at the book's 24 kHz (one of Opus's own rates: no resampling), 20 ms packets of 480
  // input samples; N samples come out as N/480 + 1 packets with a pre-skip of 156 (312 at 48 kHz),
  // so a later part drops its first packet, and the Ogg end trim (last granule) removes the
  // last part's padding: the decoded book is exactly its planned length (ogg-opus.ts measures it).
  opus: {
    format: 'opus',
    encoder: ['-c:a', 'libopus', '-b:a', '32k'],
    sampleRate: undefined,
    frameSize: 480,
    delay: 156,
    headFrames: 0,
    partStream: 'ogg-opus',
    container: [],
    extension: 'opus',
  },
  // FLAC in fixed blocks of 4608 samples, no encoder delay: a part of N samples is N/4608 frames,
  // and the joined frames are renumbered (flac-stream.ts) so players seek by them.
  flac: {
    format: 'flac',
    // s16: the limiter hands the encoder floating point, which FLAC would keep as 24-bit samples.
    encoder: ['-c:a', 'flac', '-frame_size', '4608', '-sample_fmt', 's16'],
    sampleRate: undefined,
    frameSize: 4608,
    delay: 0,
    headFrames: 0,
    partStream: 'flac',
    container: [],
    extension: 'flac',
  },
  // WAV: the parts are raw PCM (mastered by the same gain and limiter), joined by a copy; RF64
  // past 4 GiB (about 24 hours at 24 kHz mono).
  wav: {
    format: 'wav',
    encoder: ['-c:a', 'pcm_s16le'],
    sampleRate: undefined,
    frameSize: 1,
    delay: 0,
    headFrames: 0,
    partStream: 'pcm',
    container: ['-rf64', 'auto', '-f', 'wav'],
    extension: 'wav',
  },
});

/**
 * ACX's MP3: 192 kb/s CBR (libmp3lame's -b:a is constant bitrate), 44.1 kHz mono, resampled from the
 * book's 24 kHz inside each part's ffmpeg. MPEG-1 layer III: 1152-sample frames; N samples (a
 * multiple of 1152) come out as N/1152 + 1 frames with the audio 1105 samples in. The encoder's 576
 * samples of delay share the first frame with audio, so no frame can be dropped: the LAME header
 * trims the decoder's 529 and the files start 576 samples (13 ms) of room tone late, which ACX does
 * not see (one file per chapter, each starting with room tone).
 */
const ACX_MP3: Codec = Object.freeze({
  format: 'mp3',
  encoder: ['-c:a', 'libmp3lame', '-b:a', '192k', '-reservoir', '0', '-ac', '1'],
  sampleRate: 44_100,
  frameSize: 1152,
  delay: 1105,
  headFrames: 0,
  partStream: 'mp3',
  container: ['-id3v2_version', '3', '-f', 'mp3'],
  extension: 'mp3',
});

/** The codec of a book's format (ACX's own MP3 for the acx preset). */
export function codecOf(format: OutputFormat, finish?: { loudness?: string }): Codec {
  if (format === 'mp3' && finish?.loudness === 'acx') return ACX_MP3;
  return CODECS[format];
}

/** Samples a decoded book's audio starts after where it was planned (see ACX_MP3; 0 for the others). */
export function headLag(codec: Codec): number {
  return codec.delay - containerTrim(codec) - codec.headFrames * codec.frameSize;
}

/**
 * Samples of delay the container trims on playback: all of AAC's (MP4 edit list) and Opus's (its
 * pre-skip), the decoder's 529 of MP3's (LAME header); PCM and FLAC have none.
 */
function containerTrim(codec: Codec): number {
  return codec.partStream === 'mp3' ? 529 : codec.delay;
}

/**
 * Samples a decoded book holds beyond its planned PCM (at the codec's rate): the last part's lead
 * frames outlast the delay they cover (MP3: 2·576 − 1105 = 47 samples, 2 ms of silence at the end;
 * AAC: 0), plus any head lag (headLag). Ogg trims its end to the sample (its last granule): 0.
 */
export function tailExcess(codec: Codec): number {
  if (codec.partStream === 'ogg-opus') return headLag(codec);
  return leadFrames(codec) * codec.frameSize - codec.delay + headLag(codec);
}

/** Frames a part emits ahead of its own audio; a part after another drops this many at the join. */
export function leadFrames(codec: Codec): number {
  return Math.ceil(codec.delay / codec.frameSize);
}

/**
 * The step, in book samples (at `bookRate`), that a part's length must be a multiple of so it fills
 * whole coded frames at the codec's rate: frameSize·bookRate / gcd(frameSize·bookRate, codecRate).
 */
export function partGrid(codec: Codec, bookRate: number): number {
  const rate = codec.sampleRate ?? bookRate;
  const scaled = codec.frameSize * bookRate;
  return scaled / gcd(scaled, rate);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
