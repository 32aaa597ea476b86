import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { readWavLayout } from '../audio/parse-wav.js';
import { silence } from '../audio/silence.js';
import { durationMs } from '../audio/wav-duration.js';
import type { WavFormat } from '../audio/wav-format.js';
import { WAV_HEADER_BYTES, wavHeader } from '../audio/write-wav.js';
import { AudioFormatError } from '../errors.js';

/** A WAV file on disk: where its samples are and how long they last. */
export interface WavFile {
  path: string;
  format: WavFormat;
  dataOffset: number;
  /** Whole frames only: a trailing partial sample is left out. */
  dataBytes: number;
  durationMs: number;
}

/** Enough of the file to find the data chunk behind fmt, LIST and other chunks. */
const HEADER_PROBE_BYTES = 64 * 1024;

/**
 * Reads a WAV file's layout from its first bytes. A streaming header (sizes 0xFFFFFFFF) or one
 * promising more than the file holds means: the samples run to the end of the file.
 */
export async function inspectWavFile(path: string): Promise<WavFile> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
    await handle.read(head, 0, head.length, 0);
    const layout = readWavLayout(head);
    const available = size - layout.dataOffset;
    const declared = layout.declaredDataBytes;
    const bytes = declared === undefined || declared > available ? available : declared;
    const frame = (layout.format.channels * layout.format.bitsPerSample) / 8;
    const whole = bytes - (bytes % frame);
    if (whole <= 0) throw new AudioFormatError('empty audio: the WAV data chunk holds no samples');
    return { path, format: layout.format, dataOffset: layout.dataOffset, dataBytes: whole, durationMs: durationMs(layout.format, whole) };
  } finally {
    await handle.close();
  }
}

/** A piece of a joined WAV: the samples of a file, or a stretch of silence. */
export type WavPart = WavFile | { silenceMs: number };

/**
 * Streams parts into one WAV with a correct 44-byte header at `dest`: every byte is copied in
 * 64 KiB pieces, so joining hours of audio takes no more memory than joining seconds.
 */
export async function joinWavFiles(parts: WavPart[], format: WavFormat, dest: string): Promise<WavFile> {
  const silences = parts.map((p) => ('silenceMs' in p ? silence(format, p.silenceMs) : undefined));
  const total = parts.reduce((n, p, i) => n + ('silenceMs' in p ? silences[i]!.length : p.dataBytes), 0);
  const out = createWriteStream(dest);
  const done = new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.once('finish', resolve);
  });
  try {
    await write(out, wavHeader(format, total));
    for (const [i, part] of parts.entries()) {
      if ('silenceMs' in part) {
        await write(out, silences[i]!);
        continue;
      }
      await pipeline(createReadStream(part.path, { start: part.dataOffset, end: part.dataOffset + part.dataBytes - 1 }), out, { end: false });
    }
    out.end();
    await done;
  } catch (error) {
    out.destroy();
    throw error;
  }
  return { path: dest, format, dataOffset: WAV_HEADER_BYTES, dataBytes: total, durationMs: durationMs(format, total) };
}

/**
 * Moves `file` to `dest` as a WAV with a correct 44-byte header, ready to store: patched in place
 * when the provider's header already has that shape (the usual case, no copy), else rewritten.
 * Either way the original path is gone afterwards.
 */
export async function normalizeWavFile(file: WavFile, dest: string): Promise<WavFile> {
  if (file.dataOffset === WAV_HEADER_BYTES) {
    const size = (await stat(file.path)).size;
    const handle = await open(file.path, 'r+');
    try {
      await handle.write(wavHeader(file.format, file.dataBytes), 0, WAV_HEADER_BYTES, 0);
      // Drop a trailing partial frame, if any, so the file is exactly header + data.
      if (size !== WAV_HEADER_BYTES + file.dataBytes) await handle.truncate(WAV_HEADER_BYTES + file.dataBytes);
    } finally {
      await handle.close();
    }
    await rename(file.path, dest);
    return { ...file, path: dest };
  }
  const joined = await joinWavFiles([file], file.format, dest);
  await rm(file.path, { force: true });
  return joined;
}

function write(out: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(data, (error) => (error ? reject(error) : resolve()));
  });
}
