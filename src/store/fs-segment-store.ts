import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AudioSpool } from './audio-spool.js';
import { appendMetaSync, readSegmentSync } from './segment-file.js';
import type { SegmentMeta, SegmentStore, StoredSegment } from './segment-store.js';

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
  private readonly made = new Set<string>();

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Where the segment of `key` lives (present or not). */
  audioPath(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.wav`);
  }

  async get(key: string): Promise<StoredSegment | undefined> {
    return readSegmentSync(this.audioPath(key));
  }

  async put(key: string, wavPath: string, meta: SegmentMeta): Promise<void> {
    const dest = this.audioPath(key);
    const dir = dirname(dest);
    // 256 fan-out directories at most: create each once per process, not once per segment.
    if (!this.made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    appendMetaSync(wavPath, meta);
    // A rename is atomic: the segment appears whole. Two workers storing the same key both succeed.
    renameSync(wavPath, dest);
  }

  /** The spool for audio in flight: inside this directory, so accepting a segment is a rename. */
  spool(): AudioSpool {
    return new AudioSpool(join(this.dir, '.spool'));
  }
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
