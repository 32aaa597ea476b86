import { createReadStream } from 'node:fs';
import { LoudnessMeter, type Loudness } from './loudness-meter.js';
import type { WavInfo } from './parse-wav.js';

/**
 * Measures a mono 16-bit WAV file on disk in one streaming pass (256 KiB reads), so a segment of
 * any length is measured in constant memory.
 */
export async function measureWavLoudness(file: WavInfo & { path: string }): Promise<Loudness> {
  if (file.format.channels !== 1 || file.format.bitsPerSample !== 16) {
    throw new RangeError(`loudness is measured on mono 16-bit PCM, got ${file.format.channels} ch ${file.format.bitsPerSample}-bit`);
  }
  const meter = new LoudnessMeter(file.format.sampleRate);
  if (file.dataBytes === 0) return meter.result();
  let carry: Buffer | undefined;
  const stream = createReadStream(file.path, { start: file.dataOffset, end: file.dataOffset + file.dataBytes - 1, highWaterMark: 256 * 1024 });
  for await (const piece of stream as AsyncIterable<Buffer>) {
    let data = carry ? Buffer.concat([carry, piece]) : piece;
    carry = undefined;
    // A read can end mid-sample: keep the odd byte for the next one.
    if (data.length % 2 === 1) {
      carry = data.subarray(data.length - 1);
      data = data.subarray(0, data.length - 1);
    }
    meter.pushPcm16(data);
  }
  return meter.result();
}
