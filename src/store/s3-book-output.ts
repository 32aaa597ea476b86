import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BookOutput } from './book-output.js';
import { PROBE_MAX_ATTEMPTS, createS3Client } from './s3-client.js';
import { describeS3, s3Error } from './s3-error.js';
import type { S3Settings } from './s3-settings.js';
import { isUrl, parseS3Url, type S3Location } from './store-location.js';

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
