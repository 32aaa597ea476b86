import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AudioSpool } from './audio-spool.js';
import type { SegmentMeta, SegmentStore } from './segment-store.js';

/**
 * Segments as files: `<dir>/<ab>/<key>.wav` and `<key>.json`. Each file is written under a temp
 * name and renamed, and the JSON goes last, so its presence means the audio is complete: a worker
 * killed mid-write leaves at most a stray temp file, never a half segment that looks whole.
 *
 * Lookups and stores call the file system in-line (sync) on purpose. They are a few tiny calls
 * per chunk (a missing-file check, a rename, a 1 KB JSON), and each async call is a round trip
 * through libuv's thread pool plus a turn of the event loop: on the bench machine (2 cores) an
 * async open+close took about 0.12 ms of CPU and 0.14 ms of wall time, in-line 0.01 ms
 * (`node bench/fs-call-cost.mjs`). The audio itself is written asynchronously by the spool.
 */
export class FsSegmentStore implements SegmentStore {
  readonly dir: string;
  private readonly made = new Set<string>();

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  audioPath(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.wav`);
  }

  private metaPath(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<SegmentMeta | undefined> {
    try {
      return JSON.parse(readFileSync(this.metaPath(key), 'utf8')) as SegmentMeta;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // A torn or foreign JSON file: treat as absent so the segment is made again rather than trusted.
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  async put(key: string, wavPath: string, meta: SegmentMeta): Promise<void> {
    const dir = dirname(this.audioPath(key));
    // 256 fan-out directories at most: create each once per process, not once per segment.
    if (!this.made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    // A rename is atomic: the WAV appears whole. Two workers storing the same key both succeed.
    renameSync(wavPath, this.audioPath(key));
    writeAtomicallySync(this.metaPath(key), JSON.stringify(meta, null, 2));
  }

  /** The spool for audio in flight: inside this directory, so accepting a segment is a rename. */
  spool(): AudioSpool {
    return new AudioSpool(join(this.dir, '.spool'));
  }
}

/** writeAtomically for small files on the hot path: in-line, see FsSegmentStore. */
export function writeAtomicallySync(path: string, data: Buffer | string): void {
  const temp = tempName(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Writes to a unique temp name beside the target, then renames: readers never see a partial file. */
export async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  const temp = tempName(path);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
