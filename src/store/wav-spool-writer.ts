import { rmSync, writeFileSync } from 'node:fs';
import { copyFile, open, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { readWavInfo } from '../audio/parse-wav.js';
import { WAV_HEADER_BYTES, wavHeader } from '../audio/write-wav.js';
import { WavStreamMeter } from '../audio/wav-stream-meter.js';
import { AudioFormatError } from '../errors.js';
import { storeRefusal } from './store-refusal.js';
import { joinWavFiles, type WavFile } from './wav-files.js';

/**
 * Audio up to this size stays in memory until it is complete, then goes to disk in one write. 2 MiB
 * (44 s at 24 kHz): a reading of about 1 MiB, the usual 20-odd seconds, is written in one call
 * instead of spilling at its last piece (open, writev, header, close through the thread pool),
 * which cost about a tenth of its CPU (bench/worker-cpu-cost.ts --base); a sync write of 2 MiB
 * holds the event loop about 0.6 ms.
 */
export const SPOOL_MEMORY_BYTES = 2 * 1024 * 1024;

/** Enough of the file to find the data chunk behind fmt, LIST and other chunks. */
const HEADER_PROBE_BYTES = 64 * 1024;

/**
 * A WAV arriving in pieces, written into the spool as a canonical WAV (44-byte header with true
 * sizes, whole frames only), which is how the segment store keeps every segment.
 *
 * Small audio (the usual chunk's few seconds) is gathered in memory and written once, already
 * normalised, in-line: at most SPOOL_MEMORY_BYTES, so the event loop waits under a millisecond for the
 * copy, where an async write would add a round trip through the thread pool to every reading
 * (the bench's "reply → job done" went from 5 to 3 ms at the median). Large audio spills to the
 * file in SPOOL_MEMORY_BYTES writes once it passes that, and its header is patched in place at
 * the end. Why not stream every piece to disk as it comes:
 * each async file call is a round trip through libuv's thread pool (0.04–0.06 ms of CPU on the
 * bench machine, `node bench/fs-call-cost.mjs`), and writing, probing and patching a chunk's
 * audio that way took a dozen of them per chunk.
 */
export class WavSpoolWriter {
  private current: string;
  private parts: Buffer[] = [];
  private buffered = 0;
  private head: Buffer | undefined;
  private handle: FileHandle | undefined;
  private written = 0;
  /** Measures the samples as they arrive: the worker needs every reading's loudness, and reading the file back for it cost more than the meter. */
  private readonly meter = new WavStreamMeter();

  /**
   * `relocate` gives a fresh path on another disk: when the spool's disk refuses the audio (full,
   * read-only: the segment store's own disk, for a directory store), what arrived goes there
   * instead, so a reading the model has answered is not lost to the disk it was meant for.
   */
  constructor(
    path: string,
    private readonly relocate?: () => Promise<string>,
  ) {
    this.current = path;
  }

  /** Where the WAV is being written (another disk's spool once the first refused it). */
  get path(): string {
    return this.current;
  }

  /** Appends bytes of the WAV (the buffer must not be reused by the caller). */
  async write(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    this.meter.push(bytes);
    this.parts.push(bytes);
    this.buffered += bytes.length;
    if (this.buffered >= SPOOL_MEMORY_BYTES) await this.spill();
  }

  /**
   * Finishes the file and returns it as a canonical WAV. Throws AudioFormatError, and leaves no
   * file behind, when what arrived is not usable WAV or holds no samples.
   */
  async end(): Promise<WavFile> {
    try {
      if (this.handle === undefined) return await this.endInMemory();
      return await this.endOnDisk();
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Drops whatever was written (never after a successful end(): that file is the caller's); safe to call twice. */
  async abort(): Promise<void> {
    this.parts = [];
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
    await rm(this.current, { force: true });
  }

  private async endInMemory(): Promise<WavFile> {
    const wav = Buffer.concat(this.parts);
    this.parts = [];
    const info = checked(wav, wav.length);
    let out: Buffer;
    if (info.dataOffset === WAV_HEADER_BYTES) {
      // The usual shape (a streaming header at most): patch the sizes in place, no copy.
      wavHeader(info.format, info.dataBytes).copy(wav, 0);
      out = wav.subarray(0, WAV_HEADER_BYTES + info.dataBytes);
    } else {
      out = Buffer.concat([wavHeader(info.format, info.dataBytes), wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes)]);
    }
    try {
      writeFileSync(this.current, out);
    } catch (error) {
      if (!this.relocate || !storeRefusal(error)) throw error;
      rmSync(this.current, { force: true });
      this.current = await this.relocate();
      writeFileSync(this.current, out);
    }
    return this.withLoudness({ path: this.current, format: info.format, dataOffset: WAV_HEADER_BYTES, dataBytes: info.dataBytes, durationMs: info.durationMs }, info);
  }

  /** The file, with its loudness when the meter measured exactly its samples (`source`: where they were in what arrived). */
  private withLoudness(file: WavFile, source: Pick<WavFile, 'dataOffset' | 'dataBytes'>): WavFile {
    const loudness = this.meter.result(source);
    return loudness ? { ...file, loudness } : file;
  }

  private async endOnDisk(): Promise<WavFile> {
    await this.flush();
    // After the flush: it may have moved the file to another disk.
    const handle = this.handle!;
    const info = checked(this.head!, this.written);
    if (info.dataOffset === WAV_HEADER_BYTES) {
      await handle.write(wavHeader(info.format, info.dataBytes), 0, WAV_HEADER_BYTES, 0);
      // Drop a trailing partial frame, if any, so the file is exactly header + data.
      if (this.written !== WAV_HEADER_BYTES + info.dataBytes) await handle.truncate(WAV_HEADER_BYTES + info.dataBytes);
      this.handle = undefined;
      await handle.close();
      return this.withLoudness({ path: this.path, format: info.format, dataOffset: WAV_HEADER_BYTES, dataBytes: info.dataBytes, durationMs: info.durationMs }, info);
    }
    // Other chunks before the samples (LIST and the like): copy the samples behind a plain header.
    this.handle = undefined;
    await handle.close();
    const canonical = `${this.path}.canonical`;
    try {
      const joined = await joinWavFiles([{ path: this.path, ...info }], info.format, canonical);
      await rm(this.path, { force: true });
      await rename(canonical, this.path);
      return this.withLoudness({ ...joined, path: this.path }, info);
    } catch (error) {
      await rm(canonical, { force: true });
      throw error;
    }
  }

  /** Moves what is gathered in memory to the file (opened on first use). */
  private async spill(): Promise<void> {
    if (this.handle === undefined) {
      try {
        this.handle = await open(this.current, 'w');
      } catch (error) {
        if (!this.relocate || !storeRefusal(error)) throw error;
        this.current = await this.relocate();
        this.handle = await open(this.current, 'w');
      }
    }
    await this.flush();
  }

  /** Writes what is gathered in memory after what the file holds; on a disk that refuses it, moves the file to another and writes it there. */
  private async flush(): Promise<void> {
    const handle = this.handle;
    if (this.buffered === 0 || handle === undefined) return;
    const parts = this.parts;
    const bytes = this.buffered;
    try {
      await writeAt(handle, parts, bytes, this.written);
    } catch (error) {
      if (!this.relocate || !storeRefusal(error)) throw error;
      await writeAt(await this.moveElsewhere(), parts, bytes, this.written);
    }
    this.parts = [];
    this.buffered = 0;
    if (this.head === undefined || this.head.length < HEADER_PROBE_BYTES) {
      // Keep the first bytes for the header at the end; only as many pieces as that takes.
      const head = [this.head ?? Buffer.alloc(0)];
      let have = head[0]!.length;
      for (const part of parts) {
        if (have >= HEADER_PROBE_BYTES) break;
        head.push(part.subarray(0, HEADER_PROBE_BYTES - have));
        have += head.at(-1)!.length;
      }
      this.head = Buffer.concat(head);
    }
    this.written += bytes;
  }

  /** Copies what the file holds so far to a path `relocate` gives (the rest is written there), and drops the old file. */
  private async moveElsewhere(): Promise<FileHandle> {
    const old = this.handle;
    this.handle = undefined;
    await old?.close().catch(() => undefined);
    const next = await this.relocate!();
    try {
      await copyFile(this.current, next);
      // A write cut short by the full disk may have left bytes past what was counted as written.
      await truncate(next, this.written);
    } catch (error) {
      await rm(next, { force: true });
      throw error;
    }
    await rm(this.current, { force: true });
    this.current = next;
    this.handle = await open(next, 'r+');
    return this.handle;
  }
}

/** Writes `bytes` (the pieces in `parts`) at `position`: writev hands them to the kernel as they are, no megabyte copy to join them first. */
async function writeAt(handle: FileHandle, parts: Buffer[], bytes: number, position: number): Promise<void> {
  let done = 0;
  while (done < bytes) {
    const { bytesWritten } = await handle.writev(done === 0 ? parts : remaining(parts, done), position + done);
    done += bytesWritten;
  }
}

/** The pieces after the first `skip` bytes (after a short writev). */
function remaining(parts: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  let left = skip;
  for (const part of parts) {
    if (left >= part.length) {
      left -= part.length;
      continue;
    }
    out.push(left > 0 ? part.subarray(left) : part);
    left = 0;
  }
  return out;
}

/** The WAV's layout, or AudioFormatError when it is not usable or holds no samples. */
function checked(head: Buffer, fileBytes: number) {
  const info = readWavInfo(head, fileBytes);
  if (info.dataBytes <= 0) throw new AudioFormatError('empty audio: the WAV data chunk holds no samples');
  return info;
}
