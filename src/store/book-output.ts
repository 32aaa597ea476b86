import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { isUrl, parseS3Url } from './store-location.js';

/**
 * Where a book's files go: a directory, or an S3 prefix (--out s3://bucket/prefix/). Names are
 * relative to it and may hold slashes (`.narrate-parts/<bookId>/p00001.aac`, `<slug>.chapters/01-x.m4b`).
 * Each file is written to a local scratch path first and then published in whole — renamed into
 * the directory, or sent up as a multipart upload, which S3 shows only once completed — so nobody
 * ever sees half a file. Parts published by one worker are read back by another with `read`, so
 * workers on different hosts share nothing but the output itself.
 */
export interface BookOutput {
  /** Where a file named `name` ends up: an absolute path or an s3:// URL. */
  location(name: string): string;
  /** A fresh local path to write `name` to before publishing it. */
  scratchPath(name: string): Promise<string>;
  /** Moves a finished scratch file into place (the scratch file is gone afterwards); returns its location. */
  publish(scratch: string, name: string): Promise<string>;
  /** A published file's bytes, streamed from `start`. Throws when it is absent. */
  read(name: string, start?: number): Promise<Readable>;
  /** A local path holding a published file: the file itself in a directory, a downloaded scratch copy from a bucket. */
  localPath(name: string): Promise<string>;
  /** When a published file was last written, or undefined when there is none. */
  modifiedAt(name: string): Promise<Date | undefined>;
  /** Removes every published file under `prefix/` (a book's parts once it is assembled). */
  removeAll(prefix: string): Promise<void>;
  /** The names at the top of the output, files and folders alike (`same.m4b`, `same.chapters`); none when it does not exist yet. */
  list(): Promise<string[]>;
  /** Removes whatever scratch files are left (after a failure) and releases connections. Safe to call twice. */
  close(): Promise<void>;
}

/** Where `name` ends up under a book's `outDir` (what BookOutput.location says), without opening it. Pure. */
export function outputLocation(outDir: string, name: string): string {
  if (!isUrl(outDir)) return join(outDir, name);
  return `${parseS3Url(outDir).url}${name}`;
}

/** Files in a directory, made visible by rename. */
export class DirBookOutput implements BookOutput {
  private readonly scratch = new Set<string>();

  constructor(private readonly dir: string) {}

  location(name: string): string {
    return join(this.dir, name);
  }

  async scratchPath(name: string): Promise<string> {
    const target = this.location(name);
    await mkdir(dirname(target), { recursive: true });
    // Beside the target, so publishing is a rename on one filesystem.
    const path = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.partial`);
    this.scratch.add(path);
    return path;
  }

  async publish(scratch: string, name: string): Promise<string> {
    const dest = this.location(name);
    await rename(scratch, dest);
    this.scratch.delete(scratch);
    return dest;
  }

  async read(name: string, start = 0): Promise<Readable> {
    const path = this.location(name);
    await stat(path); // absent: throw now, not on the first read
    return createReadStream(path, { start, highWaterMark: 1024 * 1024 });
  }

  async localPath(name: string): Promise<string> {
    const path = this.location(name);
    await stat(path);
    return path;
  }

  async modifiedAt(name: string): Promise<Date | undefined> {
    return stat(this.location(name)).then(
      (s) => s.mtime,
      () => undefined,
    );
  }

  async removeAll(prefix: string): Promise<void> {
    const dir = this.location(prefix);
    await rm(dir, { recursive: true, force: true });
    // The shared parent (.narrate-parts) goes with its last book; another book's files keep it.
    await rmdir(dirname(dir)).catch(() => undefined);
  }

  async list(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return [];
      // Only submit and plan list an output, to choose slugs: the directory is the user's --out.
      if (code === 'ENOTDIR') throw new UsageError(`--out ${this.dir}: not a directory`);
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.scratch].map((p) => rm(p, { force: true })));
    this.scratch.clear();
  }
}
