import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { WavInfo } from '../audio/parse-wav.js';
import type { StoreSettings } from './store-settings.js';
import { AudioSpool } from './audio-spool.js';
import { FsSegmentStore } from './fs-segment-store.js';
import type { StoreLogger } from './s3-segment-store.js';
import type { SegmentHead, SegmentStore, StoredObject } from './segment-store.js';
import type { SegmentMeta } from './stored-segment.js';

/**
 * The store NARRATE_STORE_URL names. An S3 store spools audio in flight under the system temp dir
 * (TMPDIR): only the chunks this worker is narrating, each gone once uploaded. A directory store
 * spools inside itself, and under the system temp dir when its own disk is full or read-only.
 */
export function openSegmentStore(config: StoreSettings, options: { spoolDir?: string; logger?: StoreLogger } = {}): SegmentStore {
  const spoolDir = options.spoolDir ?? join(tmpdir(), 'narrate-spool');
  if (config.store.kind === 'file') return new FsSegmentStore(config.store.dir, { spoolFallback: spoolDir });
  const { store, s3 } = { store: config.store, s3: config.s3 };
  return new LazySegmentStore(store.url, spoolDir, async () => {
    const { S3SegmentStore } = await import('./s3-segment-store.js');
    return new S3SegmentStore(store, s3, spoolDir, options.logger ? { logger: options.logger } : {});
  });
}

/**
 * A store whose implementation is loaded on first use: the AWS SDK costs about half a second of
 * CPU to load, which a worker of a directory store, or a CLI command that never touches the
 * store, should not pay.
 */
class LazySegmentStore implements SegmentStore {
  private loaded: Promise<SegmentStore> | undefined;

  constructor(
    readonly url: string,
    private readonly spoolDir: string,
    private readonly load: () => Promise<SegmentStore>,
  ) {}

  private store(): Promise<SegmentStore> {
    return (this.loaded ??= this.load());
  }

  async head(key: string, signal?: AbortSignal): Promise<SegmentHead | undefined> {
    return (await this.store()).head(key, signal);
  }

  async readSamples(key: string, wav: WavInfo, signal?: AbortSignal): Promise<Readable> {
    return (await this.store()).readSamples(key, wav, signal);
  }

  async readMeta(key: string, wav: WavInfo, signal?: AbortSignal): Promise<SegmentMeta | undefined> {
    return (await this.store()).readMeta(key, wav, signal);
  }

  async put(key: string, wavPath: string, meta: SegmentMeta): Promise<void> {
    return (await this.store()).put(key, wavPath, meta);
  }

  async putText(key: string, body: Buffer): Promise<void> {
    return (await this.store()).putText(key, body);
  }

  async getText(key: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    return (await this.store()).getText(key, signal);
  }

  spool(): AudioSpool {
    return new AudioSpool(this.spoolDir);
  }

  async probe(): Promise<void> {
    return (await this.store()).probe();
  }

  async *list(): AsyncIterable<StoredObject> {
    yield* (await this.store()).list();
  }

  async remove(key: string): Promise<void> {
    return (await this.store()).remove(key);
  }

  async close(): Promise<void> {
    if (this.loaded) await (await this.loaded).close();
  }
}
