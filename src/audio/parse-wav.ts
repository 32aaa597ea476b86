import { AudioFormatError } from '../errors.js';
import { durationMs } from './wav-duration.js';
import { frameBytes, type WavFormat } from './wav-format.js';

/** Where the samples of a WAV file start and how many bytes its header says they take. */
export interface WavLayout {
  format: WavFormat;
  /** Byte offset of the first sample (just past the `data` chunk header). */
  dataOffset: number;
  /** The declared size of the `data` chunk; undefined for a streaming header (0xFFFFFFFF). */
  declaredDataBytes: number | undefined;
}

// A server that streams WAV does not know the length up front and writes the largest u32 instead.
const STREAMING_SIZE = 0xffffffff;
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Decodes a whole WAV file into its format and PCM bytes, tolerating streaming (0xFFFFFFFF) sizes. */
export function parseWav(buf: Buffer): { format: WavFormat; data: Buffer } {
  // A streaming header, or one that promises more than arrived: the samples run to the end of the buffer.
  const info = readWavInfo(buf, buf.length);
  if (info.dataBytes <= 0) throw new AudioFormatError('empty audio: the WAV data chunk holds no samples');
  return { format: info.format, data: buf.subarray(info.dataOffset, info.dataOffset + info.dataBytes) };
}

/** What a stored WAV holds, read from its first bytes alone. */
export interface WavInfo {
  format: WavFormat;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of samples. */
  dataBytes: number;
  durationMs: number;
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
  dataBytes -= dataBytes % frameBytes(format);
  return { format, dataOffset, dataBytes, durationMs: durationMs(format, dataBytes) };
}

/** Walks the RIFF chunks up to the `data` header; needs only the first bytes of the file. */
export function readWavLayout(buf: Buffer): WavLayout {
  if (buf.length === 0) throw new AudioFormatError('not WAV: the body is empty');
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new AudioFormatError(`not WAV: starts with ${preview(buf)}`);
  }
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'data') {
      if (format === undefined) throw new AudioFormatError('not usable WAV: no fmt chunk before the data chunk');
      return { format, dataOffset: body, declaredDataBytes: size === STREAMING_SIZE ? undefined : size };
    }
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new AudioFormatError('not usable WAV: truncated fmt chunk');
      format = readFmt(buf.subarray(body, Math.min(body + size, buf.length)));
    }
    // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
    offset = body + size + (size % 2);
  }
  throw new AudioFormatError(format === undefined ? 'not usable WAV: no fmt chunk' : 'not usable WAV: no data chunk');
}

function readFmt(fmt: Buffer): WavFormat {
  let code = fmt.readUInt16LE(0);
  // WAVE_FORMAT_EXTENSIBLE keeps the real format code in the first two bytes of its SubFormat GUID.
  if (code === WAVE_FORMAT_EXTENSIBLE && fmt.length >= 26) code = fmt.readUInt16LE(24);
  if (code !== WAVE_FORMAT_PCM) {
    throw new AudioFormatError(`not usable WAV: format code 0x${code.toString(16)} is not PCM`);
  }
  const format = { channels: fmt.readUInt16LE(2), sampleRate: fmt.readUInt32LE(4), bitsPerSample: fmt.readUInt16LE(14) };
  if (format.channels === 0 || format.sampleRate === 0 || format.bitsPerSample === 0 || format.bitsPerSample % 8 !== 0) {
    throw new AudioFormatError(`not usable WAV: impossible fmt (${format.sampleRate} Hz, ${format.channels} ch, ${format.bitsPerSample}-bit)`);
  }
  return format;
}

/** The first bytes as text when they are printable (JSON, HTML), otherwise as hex: enough to see what came back. */
function preview(buf: Buffer): string {
  const head = buf.subarray(0, 32);
  const printable = head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09);
  const more = buf.length > head.length ? '…' : '';
  return printable ? JSON.stringify(head.toString('latin1') + more) : `0x${head.subarray(0, 16).toString('hex')}${more}`;
}
