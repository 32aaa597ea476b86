import { createReadStream } from 'node:fs';
import { LoudnessMeter, type Loudness } from './loudness-meter.js';
import type { WavInfo } from './parse-wav.js';
import { WholeSamples } from './whole-samples.js';

/**
 * Measures a mono 16-bit WAV file on disk in one streaming pass (256 KiB reads), so a segment of
 * any length is measured in constant memory.
 */
export async function measureWavLoudness(file: WavInfo & { path: string }): Promise<Loudness> {
  if (file.dataBytes === 0) return measurePcmLoudness(file, []);
  return measurePcmLoudness(file, createReadStream(file.path, { start: file.dataOffset, end: file.dataOffset + file.dataBytes - 1, highWaterMark: 256 * 1024 }));
}

/** Measures mono 16-bit PCM as it streams in (from a file or a bucket), in constant memory. */
export async function measurePcmLoudness(layout: Pick<WavInfo, 'format'>, pcm: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer>): Promise<Loudness> {
  const { format } = layout;
  if (format.channels !== 1 || format.bitsPerSample !== 16) {
    throw new RangeError(`loudness is measured on mono 16-bit PCM, got ${format.channels} ch ${format.bitsPerSample}-bit`);
  }
  const meter = new LoudnessMeter(format.sampleRate);
  // A read can end mid-sample: its odd byte waits for the next one.
  const samples = new WholeSamples(2);
  for await (const chunk of pcm) {
    const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    meter.pushPcm16(samples.take(piece));
  }
  return meter.result();
}
