import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { FsSegmentStore } from './fs-segment-store.js';
import { S3SegmentStore } from './s3-segment-store.js';
import type { SegmentStore } from './segment-store.js';

/**
 * The store NARRATE_STORE_URL names. An S3 store spools audio in flight under the system temp dir
 * (TMPDIR): only the chunks this worker is narrating, each gone once uploaded.
 */
export function openSegmentStore(config: Pick<Config, 'store' | 's3'>, options: { spoolDir?: string } = {}): SegmentStore {
  if (config.store.kind === 'file') return new FsSegmentStore(config.store.dir);
  return new S3SegmentStore(config.store, config.s3, options.spoolDir ?? join(tmpdir(), 'narrate-spool'));
}
