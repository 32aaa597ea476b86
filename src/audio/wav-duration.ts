import { readWavLayout } from './parse-wav.js';
import { byteRate, type WavFormat } from './wav-format.js';

/** What a stored WAV holds, read from its first bytes alone. */
export interface WavInfo {
  format: WavFormat;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of samples. */
  dataBytes: number;
  durationMs: number;
}

/** How long `dataBytes` of PCM in `format` play, in milliseconds. */
export function durationMs(format: WavFormat, dataBytes: number): number {
  return (dataBytes / byteRate(format)) * 1000;
}

/**
 * Format, data size and duration from the first bytes of a WAV file (4 KiB is plenty), so stored
 * segments can be probed without reading them whole. Pass `fileBytes` to bound the data by the
 * file's real size, which also makes a streaming (0xFFFFFFFF) header usable.
 */
export function readWavInfo(header: Buffer, fileBytes?: number): WavInfo {
  const { format, dataOffset, declaredDataBytes } = readWavLayout(header);
  const available = fileBytes === undefined ? undefined : Math.max(0, fileBytes - dataOffset);
  let dataBytes = declaredDataBytes ?? available ?? 0;
  if (available !== undefined && dataBytes > available) dataBytes = available;
  const frame = (format.channels * format.bitsPerSample) / 8;
  dataBytes -= dataBytes % frame;
  return { format, dataOffset, dataBytes, durationMs: durationMs(format, dataBytes) };
}
