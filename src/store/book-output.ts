import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PROBE_MAX_ATTEMPTS, createS3Client } from './s3-client.js';
import { describeS3, s3Error } from './s3-error.js';
import type { S3Settings } from './s3-settings.js';
import { isUrl, parseS3Url, type S3Location } from './store-location.js';

/**
 * Where a finished book, its manifest and chapter files go: a directory, or an S3 prefix (--out
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
export type OpenBookOutput = (outDir: string) => BookOutput;

/** The opener the finalizer uses: directories as they are, s3:// through a client made from `s3`. */
export function bookOutputs(s3: S3Settings): OpenBookOutput {
  return (outDir) => (isUrl(outDir) ? new S3BookOutput(parseS3Url(outDir), s3) : new DirBookOutput(outDir));
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

/** Multipart parts of a book upload: 16 MiB, four in flight (64 MiB at most in memory, whatever the book's length). */
const BOOK_PART_BYTES = 16 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = { m4b: 'audio/mp4', m4a: 'audio/mp4', mp3: 'audio/mpeg', wav: 'audio/wav', json: 'application/json', m3u8: 'audio/x-mpegurl', opus: 'audio/ogg', flac: 'audio/flac' };

/** Files under an S3 prefix, written locally in a temp dir and sent up with lib-storage's multipart Upload. */
export class S3BookOutput implements BookOutput {
  private readonly client: S3Client;
  private work: string | undefined;

  constructor(
    private readonly at: S3Location,
    private readonly settings: S3Settings,
    client?: S3Client,
  ) {
    this.client = client ?? createS3Client(settings);
  }

  location(name: string): string {
    return `s3://${this.at.bucket}/${this.at.prefix}${name}`;
  }

  async scratchPath(name: string): Promise<string> {
    this.work ??= await mkdtemp(join(tmpdir(), 'narrate-out-'));
    return join(this.work, name);
  }

  async publish(scratch: string, name: string): Promise<string> {
    const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.at.bucket, Key: `${this.at.prefix}${name}`, Body: createReadStream(scratch), ContentType: CONTENT_TYPES[ext] ?? 'application/octet-stream' },
        partSize: BOOK_PART_BYTES,
        queueSize: 4,
      });
      await upload.done();
    } catch (error) {
      throw s3Error(error, `upload of ${name}`, describeS3(this.at.url, this.settings), this.settings);
    } finally {
      await rm(scratch, { force: true });
    }
    return this.location(name);
  }

  async close(): Promise<void> {
    const work = this.work;
    this.work = undefined;
    if (work) await rm(work, { recursive: true, force: true });
    this.client.destroy();
  }
}

/** The start-up check of an s3:// --out: the bucket exists and these credentials may list it. */
export async function probeBookOutput(outDir: string, settings: S3Settings): Promise<void> {
  if (!isUrl(outDir)) return;
  const at = parseS3Url(outDir);
  const client = createS3Client(settings, { maxAttempts: PROBE_MAX_ATTEMPTS });
  try {
    await client.send(new HeadBucketCommand({ Bucket: at.bucket }));
  } catch (error) {
    throw s3Error(error, 'start-up check of --out', describeS3(at.url, settings), settings, { bucketRequest: true });
  } finally {
    client.destroy();
  }
}
