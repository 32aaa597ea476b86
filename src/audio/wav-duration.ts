import { byteRate, type WavFormat } from './wav-format.js';

/** How long `dataBytes` of PCM in `format` play, in milliseconds. */
export function durationMs(format: WavFormat, dataBytes: number): number {
  return (dataBytes / byteRate(format)) * 1000;
}
