import type { WavFormat } from './wav-format.js';

/** `ms` milliseconds of a sine at `frequencyHz` in `format` (8- or 16-bit), the same on every channel. */
export function tone(format: WavFormat, ms: number, frequencyHz: number, amplitude = 0.3): Buffer {
  const { sampleRate, channels, bitsPerSample } = format;
  if (bitsPerSample !== 8 && bitsPerSample !== 16) throw new RangeError(`tone supports 8- and 16-bit PCM, got ${bitsPerSample}-bit`);
  const bytesPerSample = bitsPerSample / 8;
  const frames = Math.max(0, Math.round((sampleRate * ms) / 1000));
  const out = Buffer.alloc(frames * channels * bytesPerSample);
  const level = Math.min(1, Math.max(0, amplitude));
  for (let i = 0; i < frames; i++) {
    const v = level * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate);
    for (let c = 0; c < channels; c++) {
      const at = (i * channels + c) * bytesPerSample;
      // 8-bit WAV is unsigned around 128; 16-bit is signed around 0.
      if (bytesPerSample === 1) out.writeUInt8(Math.round(128 + v * 127), at);
      else out.writeInt16LE(Math.round(v * 32767), at);
    }
  }
  return out;
}
