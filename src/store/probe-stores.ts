import type { StoreSettings } from './store-settings.js';
import { isUrl } from './store-location.js';
import { openSegmentStore } from './open-segment-store.js';

/**
 * The start-up check of `worker`, `run` and `submit`: the segment store (and an s3:// --out) can
 * be reached with these credentials, before any book is queued or any model call is paid for.
 * Throws StoreError naming the store and the cause.
 */
export async function probeStores(config: StoreSettings, outDir?: string): Promise<void> {
  const store = openSegmentStore(config);
  try {
    await store.probe();
  } finally {
    await store.close();
  }
  if (outDir !== undefined && isUrl(outDir)) {
    const { probeBookOutput } = await import('./s3-book-output.js');
    await probeBookOutput(outDir, config.s3);
  }
}
