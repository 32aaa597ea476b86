import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { appendMetaSync, readSegmentSync } from './segment-file.js';
import type { SegmentMeta, StoredSegment } from './segment-store.js';
import type { WavFile } from './wav-files.js';
import { WavSpoolWriter } from './wav-spool-writer.js';

/** Where audio whose store write failed waits for the job's next attempt: `<spool>/kept/<key>.wav`. */
const KEPT_DIR = 'kept';

/** Files older than this are removed whoever wrote them: a worker on another host, or a PID since reused. */
const SWEEP_AFTER_MS = 6 * 3600_000;

/**
 * `<host>+<pid>+<time>+<random>.<ext>`: who wrote a spool file, so a worker starting on the same
 * host can tell the files of a process that died (SIGKILL, OOM, power) from those of one still
 * narrating. The host is part of the name because a directory store's spool may be shared by hosts.
 */
const OWNED_NAME = /^(.+)\+(\d+)\+[0-9a-z]+\+[0-9a-f]+\.[a-z0-9]+$/;

/** This host's name as it goes into spool file names (no `+`, no path separators). */
const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'host';

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

  /** A fresh, unique path in the spool, named after this host and process (the directory is created on first use). */
  async newPath(suffix = 'wav'): Promise<string> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    return join(this.dir, `${HOST}+${process.pid}+${Date.now().toString(36)}+${randomBytes(6).toString('hex')}.${suffix}`);
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
   * Removes what no process will use: the files of processes on this host that are gone (a worker
   * killed mid-call leaves its in-flight audio), and, from any host, files older than six hours
   * (kept readings included). A file of a live process, or of another host, is left alone: in a
   * fleet the directory may be shared, and its call may still be in flight.
   */
  async sweep(olderThanMs = SWEEP_AFTER_MS): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    const alive = new Map<number, boolean>();
    const sweepDir = async (dir: string, owned: boolean) => {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return;
      }
      for (const name of names) {
        const path = join(dir, name);
        const owner = owned ? OWNED_NAME.exec(name) : null;
        let dead = false;
        if (owner && owner[1] === HOST) {
          const pid = Number(owner[2]);
          if (!alive.has(pid)) alive.set(pid, processAlive(pid));
          dead = !alive.get(pid);
        }
        const info = dead ? undefined : await stat(path).catch(() => undefined);
        if (dead || (info?.isFile() && info.mtimeMs < cutoff)) {
          await rm(path, { force: true });
          removed++;
        }
      }
    };
    await sweepDir(this.dir, true);
    await sweepDir(join(this.dir, KEPT_DIR), false);
    return removed;
  }
}

/** Whether a process with this PID runs on this host (signal 0 checks without signalling). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, and belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
