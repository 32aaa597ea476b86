import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { readWavInfo, type WavInfo } from '../audio/parse-wav.js';
import { WAV_HEADER_BYTES } from '../audio/write-wav.js';
import { AudioSpool } from './audio-spool.js';
import { PROBE_MAX_ATTEMPTS, createS3Client } from './s3-client.js';
import { describeS3, isNotFound, s3Error, s3Status } from './s3-error.js';
import type { S3Settings } from './s3-settings.js';
import { appendMetaSync } from './segment-file.js';
import { HEAD_METADATA_KEY, decodeHead, encodeHead } from './segment-head-codec.js';
import type { SegmentHead, SegmentMeta, SegmentStore, StoredObject } from './segment-store.js';
import type { S3Location } from './store-location.js';

/** Up to this size a segment goes up in one PUT from memory (a chunk's few seconds are ~200 KB); above, multipart from the file. */
const SINGLE_PUT_BYTES = 8 * 1024 * 1024;

/** Parts of a multipart segment upload (S3's minimum is 5 MiB), two in flight: memory stays bounded. */
const PART_BYTES = 8 * 1024 * 1024;

/** `<prefix><ab>/<key>.wav`: the directory store's layout, so `aws s3 sync` moves a store either way. */
const SEGMENT_KEY = /(?:^|\/)([0-9a-f]{2})\/([0-9a-f]{64})\.wav$/;

/**
 * Segments in an S3 bucket (AWS or any S3-compatible server), laid out as the directory store lays
 * them out. Each object is the same file the directory store keeps (canonical WAV plus the `narr`
 * metadata chunk), and carries its head (summary and WAV layout) as user metadata, so a HEAD
 * answers the cache question and tells the finalizer where the samples are without a download.
 *
 * A segment is complete or absent, never half there: a PUT is atomic, a multipart upload is
 * invisible until it is completed (and aborted when it fails), and the head that marks an object as
 * ours travels in the same request as the bytes. A PUT sends `If-None-Match: *`; 412 means another
 * worker stored the same audio first, which is success. A server that does not implement the
 * condition (501) gets plain PUTs from then on: the same key always holds the same audio.
 */
export class S3SegmentStore implements SegmentStore {
  readonly url: string;
  readonly client: S3Client;
  private readonly where: string;
  /** Cleared once a server answers If-None-Match with 501 Not Implemented. */
  private conditional = true;
  private closed = false;

  constructor(
    readonly location: S3Location,
    private readonly settings: S3Settings,
    private readonly spoolDir: string,
    client?: S3Client,
  ) {
    this.url = location.url;
    this.where = describeS3(location.url, settings);
    this.client = client ?? createS3Client(settings);
  }

  /** The object key of a segment. */
  objectKey(key: string): string {
    return `${this.location.prefix}${key.slice(0, 2)}/${key}.wav`;
  }

  async head(key: string, signal?: AbortSignal): Promise<SegmentHead | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }), signal ? { abortSignal: signal } : {});
      return decodeHead(out.Metadata?.[HEAD_METADATA_KEY], key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw s3Error(error, `HEAD of segment ${key}`, this.where, this.settings);
    }
  }

  async readSamples(key: string, wav: WavInfo, signal?: AbortSignal): Promise<Readable> {
    const range = `bytes=${wav.dataOffset}-${wav.dataOffset + wav.dataBytes - 1}`;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key), Range: range }), signal ? { abortSignal: signal } : {});
      if (!out.Body) throw new Error('empty body');
      return out.Body as Readable;
    } catch (error) {
      throw s3Error(error, `GET of segment ${key}`, this.where, this.settings);
    }
  }

  async put(key: string, wavPath: string, meta: SegmentMeta): Promise<void> {
    try {
      const wav = canonicalHeader(wavPath);
      appendMetaSync(wavPath, meta);
      const bytes = statSync(wavPath).size;
      const params = {
        Bucket: this.location.bucket,
        Key: this.objectKey(key),
        ContentType: 'audio/wav',
        Metadata: { [HEAD_METADATA_KEY]: encodeHead(meta, wav) },
      };
      if (bytes <= SINGLE_PUT_BYTES) {
        // A Buffer, not a stream: the SDK can send it again on a retry.
        await this.putOnce({ ...params, Body: await readFile(wavPath), ContentLength: bytes });
      } else {
        const upload = new Upload({
          client: this.client,
          params: { ...params, Body: createReadStream(wavPath), ...(this.conditional ? { IfNoneMatch: '*' } : {}) },
          partSize: PART_BYTES,
          queueSize: 2,
        });
        await upload.done();
      }
    } catch (error) {
      // Another worker stored the same key first: the same audio is there, which is what we wanted.
      if (s3Status(error) === 412) return;
      if (error instanceof Error && error.name === 'StoreError') throw error;
      throw s3Error(error, `PUT of segment ${key}`, this.where, this.settings);
    } finally {
      // Uploaded or failed, the spool copy goes: the job is retried from the model, or found stored.
      await rm(wavPath, { force: true });
    }
  }

  private async putOnce(input: PutObjectCommandInput): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand(this.conditional ? { ...input, IfNoneMatch: '*' } : input));
    } catch (error) {
      if (this.conditional && s3Status(error) === 501) {
        this.conditional = false;
        await this.client.send(new PutObjectCommand(input));
        return;
      }
      throw error;
    }
  }

  spool(): AudioSpool {
    return new AudioSpool(this.spoolDir);
  }

  async probe(): Promise<void> {
    // Its own client with few attempts: a start-up check should answer in seconds.
    const client = createS3Client(this.settings, { maxAttempts: PROBE_MAX_ATTEMPTS });
    try {
      await client.send(new HeadBucketCommand({ Bucket: this.location.bucket }));
    } catch (error) {
      throw s3Error(error, 'start-up check', this.where, this.settings, { bucketRequest: true });
    } finally {
      client.destroy();
    }
  }

  async *list(): AsyncIterable<StoredObject> {
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.location.bucket, Prefix: this.location.prefix })) {
        for (const o of page.Contents ?? []) {
          const match = o.Key === undefined ? null : SEGMENT_KEY.exec(o.Key.slice(this.location.prefix.length));
          if (!match || match[1] !== match[2]!.slice(0, 2)) continue;
          yield { key: match[2]!, modifiedAt: o.LastModified ?? new Date(0), bytes: o.Size ?? 0 };
        }
      }
    } catch (error) {
      throw s3Error(error, 'listing segments', this.where, this.settings);
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw s3Error(error, `DELETE of segment ${key}`, this.where, this.settings);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }
}

/** The samples' layout from the spool file's 44-byte header (true sizes, as the spool writes them). */
function canonicalHeader(path: string): WavInfo {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(WAV_HEADER_BYTES);
    readSync(fd, header, 0, WAV_HEADER_BYTES, 0);
    return readWavInfo(header);
  } finally {
    closeSync(fd);
  }
}
