import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { appendMetaSync, readSegmentSync } from './segment-file.js';
import type { SegmentMeta, StoredSegment } from './segment-store.js';
import type { WavFile } from './wav-files.js';
import { WavSpoolWriter } from './wav-spool-writer.js';

/** Where audio whose store write failed waits for the job's next attempt: `<spool>/kept/<key>.wav`. */
const KEPT_DIR = 'kept';

/**
 * A directory of audio in flight: what a provider sent, before it is checked and stored. Audio is
 * spooled to disk as it arrives instead of being held in memory, so a worker with 16 five-minute
 * segments in flight stays small. It lives inside the segment store's directory, so accepting a
 * segment is a rename on the same filesystem, never a copy.
 *
 * A reading that could not be stored (the bucket refused or could not be reached, after every
 * retry) is kept under `kept/`, by segment key, so the job's next attempt on this host stores it
 * without paying the model again.
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
   * Keeps an accepted reading that could not be stored (a canonical spool WAV) with its metadata,
   * under its segment key, for the next attempt at the chunk (see takeKept). Replaces any kept before.
   */
  keep(key: string, path: string, meta: SegmentMeta): void {
    // The metadata travels in the file (as in a stored segment): one rename keeps both.
    appendMetaSync(path, meta);
    const dir = join(this.dir, KEPT_DIR);
    mkdirSync(dir, { recursive: true });
    renameSync(path, join(dir, `${key}.wav`));
  }

  /**
   * The reading kept for `key`, moved back into this process's spool (so two attempts never both
   * take it, and it goes with this process's files if it dies), or undefined when none is kept.
   * In-line file calls: this runs for every chunk the store does not have, and a miss is one rename.
   */
  async takeKept(key: string): Promise<StoredSegment | undefined> {
    const path = await this.newPath();
    try {
      renameSync(join(this.dir, KEPT_DIR, `${key}.wav`), path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const kept = readSegmentSync(path);
    if (kept?.meta.key === key) return kept;
    // Torn or foreign: the chunk is narrated again.
    await rm(path, { force: true });
    return undefined;
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
