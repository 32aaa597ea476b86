import { randomBytes } from 'node:crypto';
import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { makeDir, makeDirSync } from './make-dir.js';
import { appendMetaSync, readSegmentSync } from './segment-file.js';
import type { StoredSegment, SegmentMeta } from './stored-segment.js';
import { storeRefusal } from './store-refusal.js';
import type { WavFile } from './wav-files.js';
import { WavSpoolWriter } from './wav-spool-writer.js';

/** Where audio whose store write failed waits for the job's next attempt: `<spool>/kept/<key>.wav`. */
const KEPT_DIR = 'kept';

/** Files older than this are removed whoever wrote them: a worker on another host, or a PID since reused. */
const SWEEP_AFTER_MS = 6 * 3600_000;

/**
 * Kept readings are paid for and wait for `narrate retry`, which may come days later (a full store
 * is noticed in the morning): they stay this long, twice the week a failed book's jobs are kept.
 */
const SWEEP_KEPT_AFTER_MS = 14 * 86_400_000;

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
  /**
   * Where audio goes when `dir`'s disk refuses it (full, read-only): a directory store's spool is
   * inside the store, so the store's own full disk would otherwise lose readings the model has
   * already answered. Undefined: no second place (an S3 store's spool is already off the store).
   */
  readonly fallbackDir: string | undefined;
  private readonly ready = new Map<string, Promise<unknown>>();

  constructor(dir: string, options: { fallbackDir?: string } = {}) {
    this.dir = resolve(dir);
    const fallback = options.fallbackDir === undefined ? undefined : resolve(options.fallbackDir);
    this.fallbackDir = fallback === this.dir ? undefined : fallback;
  }

  /** A fresh, unique path in the spool, named after this host and process (the directory is created on first use). */
  async newPath(suffix = 'wav', dir = this.dir): Promise<string> {
    let ready = this.ready.get(dir);
    if (!ready) {
      ready = makeDir(dir);
      this.ready.set(dir, ready);
      // A disk that refused the directory may take it later.
      ready.catch(() => this.ready.delete(dir));
    }
    await ready;
    return join(dir, `${HOST}+${process.pid}+${Date.now().toString(36)}+${randomBytes(6).toString('hex')}.${suffix}`);
  }

  /** A fresh path in the fallback directory; throws `refused` when there is none. */
  private async elsewhere(refused: unknown, suffix = 'wav'): Promise<string> {
    if (this.fallbackDir === undefined) throw refused;
    return this.newPath(suffix, this.fallbackDir);
  }

  /** A writer for a WAV arriving in pieces, at a fresh path in the spool (moved to the fallback directory if the spool's disk refuses it). */
  async writer(): Promise<WavSpoolWriter> {
    const relocate = this.fallbackDir === undefined ? undefined : () => this.newPath('wav', this.fallbackDir);
    let path: string;
    try {
      path = await this.newPath();
    } catch (error) {
      // The spool directory itself cannot be made (a read-only store).
      if (!storeRefusal(error)) throw error;
      path = await this.elsewhere(error);
    }
    return new WavSpoolWriter(path, relocate);
  }

  /**
   * Runs `write` with a fresh spool path for a file it creates (a join of split readings), and again
   * with one in the fallback directory if the spool's disk refuses it. Returns what `write` returns.
   */
  async writeFile<T>(write: (path: string) => Promise<T>): Promise<T> {
    let path: string | undefined;
    try {
      path = await this.newPath();
      return await write(path);
    } catch (error) {
      if (!storeRefusal(error)) throw error;
      if (path !== undefined) await rm(path, { force: true });
      return write(await this.elsewhere(error));
    }
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
   * under its segment key, for the next attempt at the chunk (see takeKept). Replaces any kept
   * before. Where the spool's disk refuses it (the full disk of a directory store), it is kept in
   * the fallback directory instead. Returns the kept file's path.
   */
  keep(key: string, path: string, meta: SegmentMeta): string {
    try {
      return keepIn(this.dir, key, path, meta);
    } catch (error) {
      // EXDEV: the reading is already in the fallback directory, on another disk.
      const code = (error as NodeJS.ErrnoException).code;
      if (this.fallbackDir === undefined || (!storeRefusal(error) && code !== 'EXDEV')) throw error;
      const dir = join(this.fallbackDir, KEPT_DIR);
      makeDirSync(dir);
      const copy = join(dir, `.${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        // A copy, then the metadata (again: a write cut short by the full disk may have torn it).
        copyFileSync(path, copy);
        const kept = keepIn(this.fallbackDir, key, copy, meta);
        rmSync(path, { force: true });
        return kept;
      } catch (second) {
        rmSync(copy, { force: true });
        throw second;
      }
    }
  }

  /**
   * The reading kept for `key`, moved back into this process's spool (so two attempts never both
   * take it, and it goes with this process's files if it dies), or undefined when none is kept.
   * In-line file calls: this runs for every chunk the store does not have, and a miss is a rename or two.
   */
  async takeKept(key: string): Promise<StoredSegment | undefined> {
    for (const dir of this.fallbackDir === undefined ? [this.dir] : [this.dir, this.fallbackDir]) {
      let path: string;
      try {
        path = await this.newPath('wav', dir);
        renameSync(join(dir, KEPT_DIR, `${key}.wav`), path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Nothing kept there; or a spool directory that cannot even be made holds nothing either.
        if (code === 'ENOENT' || storeRefusal(error)) continue;
        throw error;
      }
      const kept = readSegmentSync(path);
      if (kept?.meta.key === key) return kept;
      // Torn or foreign: the chunk is narrated again.
      await rm(path, { force: true });
    }
    return undefined;
  }

  /**
   * Removes what no process will use: the files of processes on this host that are gone (a worker
   * killed mid-call leaves its in-flight audio), and, from any host, files older than six hours, or
   * for kept readings (bought, waiting for a retry) fourteen days. A file of a live process, or of
   * another host, is left alone: in a fleet the directory may be shared, and its call may still be
   * in flight. The fallback directory is swept the same way.
   */
  async sweep(olderThanMs = SWEEP_AFTER_MS, keptOlderThanMs = SWEEP_KEPT_AFTER_MS): Promise<number> {
    let removed = 0;
    const alive = new Map<number, boolean>();
    const sweepDir = async (dir: string, owned: boolean) => {
      const cutoff = Date.now() - (owned ? olderThanMs : keptOlderThanMs);
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
    for (const dir of this.fallbackDir === undefined ? [this.dir] : [this.dir, this.fallbackDir]) {
      await sweepDir(dir, true);
      await sweepDir(join(dir, KEPT_DIR), false);
    }
    return removed;
  }
}

/** Appends the metadata to a spool WAV and renames it to `<dir>/kept/<key>.wav`; returns that path. */
function keepIn(dir: string, key: string, path: string, meta: SegmentMeta): string {
  // The metadata travels in the file (as in a stored segment): one rename keeps both.
  appendMetaSync(path, meta);
  const keptDir = join(dir, KEPT_DIR);
  makeDirSync(keptDir);
  const kept = join(keptDir, `${key}.wav`);
  renameSync(path, kept);
  return kept;
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
