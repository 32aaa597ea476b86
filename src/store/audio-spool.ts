import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { WavFile } from './wav-files.js';
import { WavSpoolWriter } from './wav-spool-writer.js';

/**
 * A directory of audio in flight: what a provider sent, before it is checked and stored. Audio is
 * spooled to disk as it arrives instead of being held in memory, so a worker with 16 five-minute
 * segments in flight stays small. It lives inside the segment store's directory, so accepting a
 * segment is a rename on the same filesystem, never a copy.
 */
export class AudioSpool {
  readonly dir: string;
  private ready: Promise<unknown> | undefined;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** A fresh, unique path in the spool (the directory is created on first use). */
  async newPath(suffix = 'wav'): Promise<string> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    return join(this.dir, `${process.pid}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}.${suffix}`);
  }

  /** A writer for a WAV arriving in pieces, at a fresh path in the spool. */
  async writer(): Promise<WavSpoolWriter> {
    return new WavSpoolWriter(await this.newPath());
  }

  /**
   * A whole WAV (any header the provider sends) as a canonical spool file; throws
   * AudioFormatError, writing nothing, when it is not usable WAV.
   */
  async fromBuffer(data: Buffer): Promise<WavFile> {
    const writer = await this.writer();
    await writer.write(data);
    return writer.end();
  }

  /** Deletes a spool file; a file already gone is fine. */
  async discard(path: string | undefined): Promise<void> {
    if (path !== undefined) await rm(path, { force: true });
  }

  /**
   * Removes spool files left by workers that died mid-call. Only old ones: in a fleet the
   * directory is shared, and a young file may belong to a call still in flight elsewhere.
   */
  async sweep(olderThanMs = 6 * 3600_000): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    const cutoff = Date.now() - olderThanMs;
    for (const name of names) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
