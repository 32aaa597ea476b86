import { randomBytes } from 'node:crypto';
import { constants, copyFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { access, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { basename, dirname, join, resolve } from 'node:path';
import type { WavInfo } from '../audio/parse-wav.js';
import { StoreError, StoreRefusedError, coerceError } from '../errors.js';
import { AudioSpool } from './audio-spool.js';
import { makeDirSync } from './make-dir.js';
import { appendMetaSync, readSegmentSync } from './segment-file.js';
import type { SegmentHead, SegmentStore, StoredObject } from './segment-store.js';
import type { StoredSegment, SegmentMeta } from './stored-segment.js';
import { refusedMessage, storeRefusal } from './store-refusal.js';
import { TEXT_PREFIX, textKeyOf } from './text-key.js';

/** Reads of 1 MiB: streaming hours of audio in 64 KiB pieces costs more in calls than in bytes. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Segments as files: `<dir>/<ab>/<key>.wav`, each a WAV with its metadata in a trailing chunk (see
 * segment-file.ts). A segment is finished in the spool and renamed in whole, so a worker killed
 * mid-write leaves at most a stray spool file, never a half segment that looks whole.
 *
 * Lookups and stores call the file system in-line (sync) on purpose. They are a few small calls
 * per chunk (a missing-file check, a header read, an append, a rename), and each async call is a
 * round trip through libuv's thread pool plus a turn of the event loop: on the bench machine (2
 * cores) an async open+close took 0.08–0.12 ms of CPU, in-line under 0.01 ms
 * (`node bench/fs-call-cost.mjs`). The audio itself is written asynchronously by the spool.
 */
export class FsSegmentStore implements SegmentStore {
  readonly dir: string;
  readonly url: string;
  private readonly made = new Set<string>();
  private readonly spoolFallback: string | undefined;

  /**
   * `spoolFallback`: where audio in flight goes when this directory's disk refuses it (full,
   * read-only), so a reading already paid for is kept off the store until it can be stored.
   */
  constructor(dir: string, options: { spoolFallback?: string } = {}) {
    this.dir = resolve(dir);
    this.url = `file://${this.dir}`;
    this.spoolFallback = options.spoolFallback;
  }

  /** Where the segment of `key` lives (present or not). */
  audioPath(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.wav`);
  }

  /** Where the text object of `key` lives: `<dir>/texts/<ab>/<key>.json`. */
  textPath(key: string): string {
    return join(this.dir, 'texts', key.slice(0, 2), `${key}.json`);
  }

  async putText(key: string, body: Buffer): Promise<void> {
    const dest = this.textPath(key);
    const dir = dirname(dest);
    try {
      // In-line, like the segments' calls (see the class comment): a submit writes a few small
      // texts per book, and async calls cost a library of 10,000 books more than the writing.
      // Content-addressed: one already there holds these bytes; its time is refreshed for prune's cut-off.
      const now = new Date();
      try {
        utimesSync(dest, now, now);
        return;
      } catch {
        // Not there yet: written below.
      }
      if (!this.made.has(dir)) {
        makeDirSync(dir);
        this.made.add(dir);
      }
      const temp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        writeFileSync(temp, body);
        renameSync(temp, dest);
      } catch (error) {
        rmSync(temp, { force: true });
        throw error;
      }
    } catch (error) {
      const refused = storeRefusal(error);
      if (refused) throw new StoreRefusedError(`${refusedMessage('segment store', this.url, refused)}: text ${key} not stored`, { ...refused, cause: error });
      throw new StoreError(`text ${key} not stored in ${this.url}: ${coerceError(error).message}`, { retryable: true, cause: error });
    }
  }

  async getText(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.textPath(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError(`text ${key} not readable in ${this.url}: ${coerceError(error).message}`, { retryable: true, cause: error });
    }
  }

  /** The whole stored segment (full metadata, its file's path), or undefined when absent or torn. */
  async get(key: string): Promise<StoredSegment | undefined> {
    return readSegmentSync(this.audioPath(key));
  }

  async head(key: string): Promise<SegmentHead | undefined> {
    const stored = readSegmentSync(this.audioPath(key));
    if (!stored) return undefined;
    const { path: _path, ...wav } = stored.audio;
    return { meta: stored.meta, wav };
  }

  async readSamples(key: string, wav: WavInfo): Promise<Readable> {
    // Opened here, so a missing segment fails now, with its key, not later inside a pipeline.
    const handle = await open(this.audioPath(key), 'r').catch((error: unknown) => {
      throw new StoreError(`segment ${key} is missing from store ${this.url}`, { retryable: false, cause: error });
    });
    return handle.createReadStream({ start: wav.dataOffset, end: wav.dataOffset + wav.dataBytes - 1, highWaterMark: READ_CHUNK_BYTES });
  }

  async readMeta(key: string): Promise<SegmentMeta | undefined> {
    return readSegmentSync(this.audioPath(key))?.meta;
  }

  async put(key: string, wavPath: string, meta: SegmentMeta): Promise<void> {
    const dest = this.audioPath(key);
    const dir = dirname(dest);
    try {
      // 256 fan-out directories at most: create each once per process, not once per segment.
      if (!this.made.has(dir)) {
        makeDirSync(dir);
        this.made.add(dir);
      }
      appendMetaSync(wavPath, meta);
      try {
        // A rename is atomic: the segment appears whole. Two workers storing the same key both succeed.
        renameSync(wavPath, dest);
      } catch (error) {
        // A reading the spool had to keep on another disk (this one was full): copied in, then renamed.
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        this.copyIn(wavPath, dest);
      }
    } catch (error) {
      const refused = storeRefusal(error);
      if (refused) throw new StoreRefusedError(`${refusedMessage('segment store', this.url, refused)}: segment ${key} not stored`, { ...refused, cause: error });
      const e = coerceError(error);
      throw new StoreError(`segment ${key} not stored in ${this.url}: ${e.message}`, { retryable: true, cause: error });
    }
  }

  /** Copies a file from another disk into place: to a temp name in this directory's spool, then a rename, so the segment still appears whole. */
  private copyIn(source: string, dest: string): void {
    const spool = join(this.dir, '.spool');
    makeDirSync(spool);
    const temp = join(spool, `${basename(source)}.${randomBytes(4).toString('hex')}.in`);
    try {
      copyFileSync(source, temp);
      renameSync(temp, dest);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    rmSync(source, { force: true });
  }

  /**
   * The spool for audio in flight: inside this directory, so accepting a segment is a rename; on
   * the fallback directory (if given) when this directory's disk refuses it.
   */
  spool(): AudioSpool {
    return new AudioSpool(join(this.dir, '.spool'), this.spoolFallback === undefined ? {} : { fallbackDir: this.spoolFallback });
  }

  async probe(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      await access(this.dir, constants.W_OK | constants.R_OK);
    } catch (error) {
      const e = coerceError(error) as NodeJS.ErrnoException;
      throw new StoreError(`start-up check failed for store ${this.url}: cannot create or write the directory (${e.code ?? e.message})`, { retryable: false, setting: true, cause: error });
    }
  }

  async *list(): AsyncIterable<StoredObject> {
    const fans = await readdir(this.dir).catch(() => [] as string[]);
    for (const fan of fans) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      const names = await readdir(join(this.dir, fan)).catch(() => [] as string[]);
      for (const name of names) {
        const match = /^([0-9a-f]{64})\.wav$/.exec(name);
        if (!match || !name.startsWith(fan)) continue;
        const info = await stat(join(this.dir, fan, name)).catch(() => undefined);
        if (info) yield { key: match[1]!, modifiedAt: info.mtime, bytes: info.size };
      }
    }
    const texts = join(this.dir, 'texts');
    for (const fan of await readdir(texts).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const name of await readdir(join(texts, fan)).catch(() => [] as string[])) {
        const match = /^([0-9a-f]{64})\.json$/.exec(name);
        if (!match || !name.startsWith(fan)) continue;
        const info = await stat(join(texts, fan, name)).catch(() => undefined);
        if (info) yield { key: `${TEXT_PREFIX}${match[1]!}`, modifiedAt: info.mtime, bytes: info.size };
      }
    }
  }

  async remove(key: string): Promise<void> {
    const text = textKeyOf(key);
    await rm(text === undefined ? this.audioPath(key) : this.textPath(text), { force: true });
  }

  async close(): Promise<void> {}
}

/** Writes to a unique temp name beside the target, then renames: readers never see a partial file. */
export async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
