import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Settings } from './s3-settings.js';
import { isUrl, parseS3Url } from './store-location.js';

/**
 * Where a finished book and its manifest go: a directory, or an S3 prefix (--out
 * s3://bucket/prefix/). Each file is written to a local scratch path first and then published in
 * whole — renamed into the directory, or sent up as a multipart upload, which S3 shows only once
 * completed — so nobody ever sees half a book.
 */
export interface BookOutput {
  /** Where a file named `name` ends up: an absolute path or an s3:// URL. */
  location(name: string): string;
  /** A fresh local path to write `name` to before publishing it. */
  scratchPath(name: string): Promise<string>;
  /** Moves a finished scratch file into place (the scratch file is gone afterwards); returns its location. */
  publish(scratch: string, name: string): Promise<string>;
  /** Removes whatever scratch files are left (after a failure) and releases connections. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens the output of a book's `outDir` (a directory path or an s3:// URL). */
export type OpenBookOutput = (outDir: string) => Promise<BookOutput>;

/**
 * The opener the finalizer uses: directories as they are, s3:// through a client made from `s3`.
 * The AWS SDK is loaded only when a book goes to S3 (it costs half a second of CPU to load).
 */
export function bookOutputs(s3: S3Settings): OpenBookOutput {
  return async (outDir) => {
    if (!isUrl(outDir)) return new DirBookOutput(outDir);
    const { S3BookOutput } = await import('./s3-book-output.js');
    return new S3BookOutput(parseS3Url(outDir), s3);
  };
}

/** Files in a directory, made visible by rename. */
export class DirBookOutput implements BookOutput {
  private readonly scratch = new Set<string>();

  constructor(private readonly dir: string) {}

  location(name: string): string {
    return join(this.dir, name);
  }

  async scratchPath(name: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    // Beside the target, so publishing is a rename on one filesystem.
    const path = join(this.dir, `.${name}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.partial`);
    this.scratch.add(path);
    return path;
  }

  async publish(scratch: string, name: string): Promise<string> {
    const dest = this.location(name);
    await rename(scratch, dest);
    this.scratch.delete(scratch);
    return dest;
  }

  async close(): Promise<void> {
    await Promise.all([...this.scratch].map((p) => rm(p, { force: true })));
    this.scratch.clear();
  }
}

