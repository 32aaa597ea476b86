import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BookOutput } from './book-output.js';
import { PROBE_MAX_ATTEMPTS, createS3Client } from './s3-client.js';
import { describeS3, isNotFound, s3Error } from './s3-error.js';
import type { S3Settings } from './s3-settings.js';
import { isUrl, parseS3Url, type S3Location } from './store-location.js';

/** Multipart parts of a book upload: 16 MiB, four in flight (64 MiB at most in memory, whatever the book's length). */
const BOOK_PART_BYTES = 16 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = { m4b: 'audio/mp4', m4a: 'audio/mp4', mp3: 'audio/mpeg', wav: 'audio/wav', json: 'application/json', m3u8: 'audio/x-mpegurl', opus: 'audio/ogg', flac: 'audio/flac' };

/** Files under an S3 prefix, written locally in a temp dir and sent up with lib-storage's multipart Upload. */
export class S3BookOutput implements BookOutput {
  private readonly client: S3Client;
  private work: string | undefined;
  private scratchCount = 0;
  private readonly where: string;

  constructor(
    private readonly at: S3Location,
    private readonly settings: S3Settings,
    client?: S3Client,
  ) {
    this.client = client ?? createS3Client(settings);
    this.where = describeS3(at.url, settings);
  }

  location(name: string): string {
    return `s3://${this.at.bucket}/${this.at.prefix}${name}`;
  }

  async scratchPath(name: string): Promise<string> {
    this.work ??= await mkdtemp(join(tmpdir(), 'narrate-out-'));
    // Flat and numbered: names may hold slashes, and one output may write the same name twice.
    return join(this.work, `${++this.scratchCount}-${basename(name)}`);
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
      throw s3Error(error, `upload of ${name}`, this.where, this.settings);
    } finally {
      await rm(scratch, { force: true });
    }
    return this.location(name);
  }

  async read(name: string, start = 0): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.at.bucket, Key: `${this.at.prefix}${name}`, ...(start > 0 ? { Range: `bytes=${start}-` } : {}) }));
      if (!out.Body) throw new Error('empty body');
      return out.Body as Readable;
    } catch (error) {
      throw s3Error(error, `GET of ${name}`, this.where, this.settings);
    }
  }

  async localPath(name: string): Promise<string> {
    const scratch = await this.scratchPath(name);
    await pipeline(await this.read(name), createWriteStream(scratch));
    return scratch;
  }

  async modifiedAt(name: string): Promise<Date | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.at.bucket, Key: `${this.at.prefix}${name}` }));
      return out.LastModified;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw s3Error(error, `HEAD of ${name}`, this.where, this.settings);
    }
  }

  async removeAll(prefix: string): Promise<void> {
    const keys: string[] = [];
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.at.bucket, Prefix: `${this.at.prefix}${prefix}/` })) {
        for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      }
      // One DELETE per key: every S3-compatible server has it (not all have DeleteObjects), and a book has few parts.
      for (const Key of keys) await this.client.send(new DeleteObjectCommand({ Bucket: this.at.bucket, Key }));
    } catch (error) {
      throw s3Error(error, `removing ${prefix}/`, this.where, this.settings);
    }
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    try {
      // Delimiter '/': one page holds a book's few top-level names, not every chapter file under its folders.
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.at.bucket, Prefix: this.at.prefix, Delimiter: '/' })) {
        for (const o of page.Contents ?? []) if (o.Key !== undefined) names.push(o.Key.slice(this.at.prefix.length));
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) names.push(p.Prefix.slice(this.at.prefix.length).replace(/\/$/, ''));
      }
    } catch (error) {
      throw s3Error(error, 'listing', this.where, this.settings);
    }
    return names;
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
    throw s3Error(error, 'start-up check of --out', describeS3(at.url, settings), settings, { bucketRequest: true, setting: true });
  } finally {
    client.destroy();
  }
}
