import { StoreError } from '../errors.js';
import type { PartTexts, StoredPlan } from '../contracts/job-data.js';
import type { SegmentStore } from './segment-store.js';
import { textKey } from './text-key.js';

/** Stores `value` as a JSON text object under the hash of its bytes; answers that key. */
export async function putJson(store: Pick<SegmentStore, 'putText'>, value: unknown): Promise<string> {
  const body = Buffer.from(JSON.stringify(value));
  const key = textKey(body);
  await store.putText(key, body);
  return key;
}

/** Chunk `index` of a text object a chunk job points at: its part's texts, or a small book's plan that holds them. */
export function chunkIn(object: PartTexts | StoredPlan, index: number): PartTexts['chunks'][number] | undefined {
  const chunks = 'chunks' in object ? object.chunks : (object.texts ?? []).flatMap((t) => t.chunks);
  return chunks.find((c) => c.index === index);
}

/** Text objects a worker keeps parsed: a part's texts serve every chunk of the part from one read. */
const DEFAULT_ENTRIES = 256;

/**
 * Text objects read from the store, parsed and kept (the least recently used go first). A key names
 * its bytes, so a kept object is never stale; readers of one key at the same moment share one read.
 */
export class TextCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Pick<SegmentStore, 'getText' | 'url'>,
    private readonly max = DEFAULT_ENTRIES,
  ) {}

  /** The parsed text object of `key`; a StoreError (not retryable) naming what is missing when the store has none. */
  async json<T>(key: string, what: string, signal?: AbortSignal): Promise<T> {
    let entry = this.entries.get(key);
    if (entry) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
    } else {
      entry = this.read(key, what, signal);
      // A failed read is not kept: the next job asks the store again.
      entry.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    }
    this.entries.set(key, entry);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return (await entry) as T;
  }

  private async read(key: string, what: string, signal?: AbortSignal): Promise<unknown> {
    const body = await this.store.getText(key, signal);
    if (body === undefined) {
      throw new StoreError(`${what}: text ${key} is missing from store ${this.store.url} (removed while its book was in Redis?): submit the book again`, { retryable: false });
    }
    return JSON.parse(body.toString('utf8')) as unknown;
  }
}
