/** The sample format of PCM audio: what two segments must share to be joined without re-encoding. */
export interface WavFormat {
  /** Samples per second, e.g. 24000 for the chat-audio model. */
  sampleRate: number;
  /** 1 for mono. */
  channels: number;
  /** 16 for signed little-endian PCM. */
  bitsPerSample: number;
}

/** The format every segment of a book is stored in: what gpt-4o-audio-preview sends (24 kHz, mono, 16-bit). */
export const BOOK_FORMAT: Readonly<WavFormat> = Object.freeze({ sampleRate: 24000, channels: 1, bitsPerSample: 16 });

/** Bytes per second of PCM audio in `format`. */
export function byteRate(format: WavFormat): number {
  return format.sampleRate * frameBytes(format);
}

/** Bytes of one sample frame (a sample of every channel): a WAV's block align. */
export function frameBytes(format: WavFormat): number {
  return (format.channels * format.bitsPerSample) / 8;
}

/** Whether two formats are the same: segments join without re-encoding only then. */
export function sameFormat(a: WavFormat, b: WavFormat): boolean {
  return a.sampleRate === b.sampleRate && a.channels === b.channels && a.bitsPerSample === b.bitsPerSample;
}

/** Human-readable description, used in error messages: "24000 Hz, 1 ch, 16-bit". */
export function describeFormat(format: WavFormat): string {
  return `${format.sampleRate} Hz, ${format.channels} ch, ${format.bitsPerSample}-bit`;
}
