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
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { readWavInfo, type WavInfo } from '../audio/parse-wav.js';
import { StoreError } from '../errors.js';
import { WAV_HEADER_BYTES } from '../audio/write-wav.js';
import { AudioSpool } from './audio-spool.js';
import { PROBE_MAX_ATTEMPTS, createS3Client } from './s3-client.js';
import { describeS3, isNotFound, s3Error, s3Status } from './s3-error.js';
import type { S3Settings } from './s3-settings.js';
import { appendMetaSync, parseMetaChunk } from './segment-file.js';
import { HEAD_METADATA_KEY, decodeHead, encodeHead } from './segment-head-codec.js';
import type { SegmentHead, SegmentStore, StoredObject } from './segment-store.js';
import type { SegmentMeta } from './stored-segment.js';
import type { S3Location } from './store-location.js';
import { TEXT_PREFIX, textKeyOf } from './text-key.js';

/** Up to this size a segment goes up in one PUT from memory (a chunk's few seconds are ~200 KB); above, multipart from the file. */
const SINGLE_PUT_BYTES = 8 * 1024 * 1024;

/** Parts of a multipart segment upload (S3's minimum is 5 MiB), two in flight: memory stays bounded. */
const PART_BYTES = 8 * 1024 * 1024;

/** Writes of one segment: a 412 is looked into and answered this many times before the attempt fails. */
const MAX_WRITE_ROUNDS = 3;

/** The precondition a segment's PUT carries (S3 conditional writes), or none. */
type WriteCondition = { IfNoneMatch?: '*'; IfMatch?: string };

/** `<prefix><ab>/<key>.wav`: the directory store's layout, so `aws s3 sync` moves a store either way. */
const SEGMENT_KEY = /(?:^|\/)([0-9a-f]{2})\/([0-9a-f]{64})\.wav$/;
/** `<prefix>texts/<ab>/<key>.json`: a text object (see text-key.ts), as the directory store lays it out. */
const TEXT_OBJECT_KEY = /^texts\/([0-9a-f]{2})\/([0-9a-f]{64})\.json$/;

/** Options of an S3SegmentStore. */
export interface S3SegmentStoreOptions {
  /** Default: a client from the settings (createS3Client). */
  client?: S3Client;
  /** Where the store says what it did of its own accord (replacing an object that was not a segment); default: nowhere. */
  logger?: StoreLogger;
}

/** What the store logs through (a pino Logger is one). */
export interface StoreLogger {
  warn(fields: object, message: string): void;
}

/**
 * Segments in an S3 bucket (AWS or any S3-compatible server), laid out as the directory store lays
 * them out. Each object is the same file the directory store keeps (canonical WAV plus the `narr`
 * metadata chunk), and carries its head (summary and WAV layout) as user metadata, so a HEAD
 * answers the cache question and tells the finalizer where the samples are without a download.
 *
 * A segment is complete or absent, never half there: a PUT is atomic, a multipart upload is
 * invisible until it is completed (and aborted when it fails), and the head that marks an object as
 * ours travels in the same request as the bytes. A PUT sends `If-None-Match: *`; a 412 means an
 * object is there already: success when its head is valid (another worker stored the same audio
 * first), otherwise it is replaced (see writeOnce). A server that does not implement the condition
 * (501) gets plain PUTs from then on: the same key always holds the same audio.
 */
export class S3SegmentStore implements SegmentStore {
  readonly url: string;
  readonly client: S3Client;
  private readonly where: string;
  /** Cleared once a server answers If-None-Match with 501 Not Implemented. */
  private conditional = true;
  private closed = false;

  private readonly logger: StoreLogger | undefined;

  constructor(
    readonly location: S3Location,
    private readonly settings: S3Settings,
    private readonly spoolDir: string,
    options: S3SegmentStoreOptions = {},
  ) {
    this.url = location.url;
    this.where = describeS3(location.url, settings);
    this.client = options.client ?? createS3Client(settings);
    this.logger = options.logger;
  }

  /** The object key of a segment. */
  objectKey(key: string): string {
    return `${this.location.prefix}${key.slice(0, 2)}/${key}.wav`;
  }

  /** The object key of a text object. */
  textObjectKey(key: string): string {
    return `${this.location.prefix}texts/${key.slice(0, 2)}/${key}.json`;
  }

  async putText(key: string, body: Buffer): Promise<void> {
    try {
      // A plain PUT: the same key always holds the same bytes, and rewriting it refreshes its
      // LastModified, which prune's age cut-off reads.
      await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.textObjectKey(key), Body: body, ContentType: 'application/json' }));
    } catch (error) {
      throw s3Error(error, `PUT of text ${key}`, this.where, this.settings);
    }
  }

  async getText(key: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.textObjectKey(key) }), signal ? { abortSignal: signal } : {});
      if (!out.Body) return undefined;
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw s3Error(error, `GET of text ${key}`, this.where, this.settings);
    }
  }

  async head(key: string, signal?: AbortSignal): Promise<SegmentHead | undefined> {
    try {
      // Sent without options, so the client's cached middleware stack serves it (see s3-client.ts):
      // this is the request of every chunk. An abort stops the wait; the HEAD itself, a read,
      // finishes or times out on its own.
      return (await untilAborted(this.headObject(key), signal))?.head;
    } catch (error) {
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

  async readMeta(key: string, wav: WavInfo, signal?: AbortSignal): Promise<SegmentMeta | undefined> {
    // The `narr` chunk follows the samples (RIFF pads an odd-sized chunk): a ranged GET of the tail, not the audio.
    const range = `bytes=${wav.dataOffset + wav.dataBytes + (wav.dataBytes % 2)}-`;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key), Range: range }), signal ? { abortSignal: signal } : {});
      if (!out.Body) return undefined;
      return parseMetaChunk(Buffer.from(await out.Body.transformToByteArray()));
    } catch (error) {
      if (isNotFound(error) || s3Status(error) === 416) return undefined;
      throw s3Error(error, `GET of segment ${key}'s metadata`, this.where, this.settings);
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
      const send = async (condition: WriteCondition): Promise<void> => {
        if (bytes <= SINGLE_PUT_BYTES) {
          // A Buffer, not a stream: the SDK can send it again on a retry.
          await this.client.send(new PutObjectCommand({ ...params, ...condition, Body: await readFile(wavPath), ContentLength: bytes }));
          return;
        }
        const upload = new Upload({ client: this.client, params: { ...params, ...condition, Body: createReadStream(wavPath) }, partSize: PART_BYTES, queueSize: 2 });
        await upload.done();
      };
      await this.writeOnce(key, send);
    } catch (error) {
      // The spool file stays: the caller keeps it for the job's next attempt (see AudioSpool.keep).
      if (error instanceof Error && error.name === 'StoreError') throw error;
      throw s3Error(error, `PUT of segment ${key}`, this.where, this.settings);
    }
    // Stored (by us, or by another worker first): the spool copy goes.
    await rm(wavPath, { force: true });
  }

  /**
   * Writes the segment unless a valid one is already there. `If-None-Match: *` first; a 412 means
   * something is at the key, which is success only if it is a segment: a HEAD tells. An object
   * without a valid head (a leftover, a copy cut short, a foreign file) would otherwise block the
   * key for ever (every attempt pays the model, and the finalizer finds the segment missing), so it
   * is replaced: `If-Match` on the ETag the HEAD saw, so a valid segment stored meanwhile is never
   * overwritten. A few rounds at most; then the attempt fails, retryable.
   */
  private async writeOnce(key: string, send: (condition: WriteCondition) => Promise<void>): Promise<void> {
    let condition: WriteCondition = this.conditional ? { IfNoneMatch: '*' } : {};
    for (let round = 1; ; round++) {
      try {
        await send(condition);
        return;
      } catch (error) {
        const status = s3Status(error);
        if (status === 501 && (condition.IfNoneMatch !== undefined || condition.IfMatch !== undefined)) {
          // The server does not implement conditional writes: plain PUTs from now on. The same key
          // always holds the same audio, so last writer wins is harmless.
          this.conditional = false;
          condition = {};
          continue;
        }
        if (status !== 412) throw error;
        if (round >= MAX_WRITE_ROUNDS) {
          throw new StoreError(`PUT of segment ${key} failed for store ${this.where}: the object at its key changed under each of ${MAX_WRITE_ROUNDS} conditional writes`, { retryable: true, status, cause: error });
        }
      }
      const found = await this.headObject(key);
      if (found?.head) return;
      if (found === undefined) {
        // Gone since the 412 (pruned): write it as if new.
        condition = { IfNoneMatch: '*' };
        continue;
      }
      this.logger?.warn(
        { store: this.url, key, object: this.objectKey(key), etag: found.etag },
        'the object at this segment\'s key is not a valid segment (no valid narrate head metadata): replacing it',
      );
      condition = found.etag === undefined ? {} : { IfMatch: found.etag };
    }
  }

  /** HEAD of a segment's object: its ETag, and its head if it is a valid segment; undefined when there is no object. */
  private async headObject(key: string): Promise<{ head: SegmentHead | undefined; etag: string | undefined } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      return { head: decodeHead(out.Metadata?.[HEAD_METADATA_KEY], key), etag: out.ETag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
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
      throw s3Error(error, 'start-up check', this.where, this.settings, { bucketRequest: true, setting: true });
    } finally {
      client.destroy();
    }
  }

  async *list(): AsyncIterable<StoredObject> {
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.location.bucket, Prefix: this.location.prefix })) {
        for (const o of page.Contents ?? []) {
          const name = o.Key === undefined ? '' : o.Key.slice(this.location.prefix.length);
          const text = TEXT_OBJECT_KEY.exec(name);
          if (text) {
            if (text[1] === text[2]!.slice(0, 2)) yield { key: `${TEXT_PREFIX}${text[2]!}`, modifiedAt: o.LastModified ?? new Date(0), bytes: o.Size ?? 0 };
            continue;
          }
          const match = SEGMENT_KEY.exec(name);
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
      const text = textKeyOf(key);
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: text === undefined ? this.objectKey(key) : this.textObjectKey(text) }));
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

/** The promise's outcome, or an AbortError as soon as `signal` aborts (the promise is left to settle unobserved). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError' });
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
