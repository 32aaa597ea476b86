import { frameBytes, type WavFormat } from './wav-format.js';

/** `ms` milliseconds of PCM silence in `format`, rounded to whole sample frames. */
export function silence(format: WavFormat, ms: number): Buffer {
  const frames = Math.max(0, Math.round((format.sampleRate * ms) / 1000));
  const bytes = frames * frameBytes(format);
  // 8-bit WAV is unsigned, so its silence is the midpoint 0x80, not zero.
  return Buffer.alloc(bytes, format.bitsPerSample === 8 ? 0x80 : 0);
}
