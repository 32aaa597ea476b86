import type { S3Settings } from './s3-settings.js';
import type { StoreLocation } from './store-location.js';

/**
 * The part of the configuration the store reads: where segments are kept and how to reach a
 * bucket. Config has both, so a Config is passed as it is; the store does not import config.ts,
 * which stands above it (it reads store locations).
 */
export interface StoreSettings {
  readonly store: StoreLocation;
  readonly s3: S3Settings;
}
