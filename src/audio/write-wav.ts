import { frameBytes, type WavFormat } from './wav-format.js';

/** Size of the canonical RIFF/WAVE header with one fmt and one data chunk. */
export const WAV_HEADER_BYTES = 44;

/** A canonical 44-byte PCM WAV header for `dataBytes` bytes of samples. */
export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
  const blockAlign = frameBytes(format);
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'latin1');
  // The RIFF size counts everything after these first 8 bytes, including the pad byte of an odd data chunk.
  header.writeUInt32LE(36 + dataBytes + (dataBytes % 2), 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(format.bitsPerSample, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** A complete WAV file: header plus PCM `data` (padded to an even length as RIFF requires). */
export function writeWav(format: WavFormat, data: Buffer): Buffer {
  const parts = [wavHeader(format, data.length), data];
  if (data.length % 2 === 1) parts.push(Buffer.alloc(1));
  return Buffer.concat(parts);
}
