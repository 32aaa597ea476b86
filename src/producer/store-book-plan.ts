import type { PartTexts, StoredPlan } from '../contracts/job-data.js';
import type { StoredBook } from '../queue/build-flow.js';
import type { SegmentStore } from '../store/segment-store.js';
import { putJson } from '../store/text-objects.js';
import { textObjectName } from '../store/text-key.js';
import type { BookPlan } from '../contracts/book-plan.js';

/** A book whose texts are in the store: its plan's key, the plan, and every text object it holds (as prune names them). */
export interface BookInStore extends StoredBook {
  /** `texts/<hash>` of the plan and of each part's texts: what the book holds against prune. */
  objects: string[];
}

/**
 * Up to this many characters of chunk text a book keeps its texts inside its plan: a worker then
 * reads the whole book (a few pages) to narrate one chunk, once, and caches it.
 */
export const INLINE_CHARS = 16 * 1024;

/**
 * Writes a book's texts to the store, one object per part (its chunks' texts and how to read them)
 * and one for the plan (everything `finalize` needs, and the keys of the parts' texts), so Redis
 * carries keys, never text. Parts are written before the plan that names them.
 */
export async function storeBookPlan(store: Pick<SegmentStore, 'putText'>, plan: BookPlan): Promise<BookInStore> {
  const texts: PartTexts[] = plan.finalize.parts.map((p) => ({ chunks: plan.synthesize.slice(p.from, p.to).map(({ bookId: _bookId, ...chunk }) => chunk) }));
  const chars = plan.synthesize.reduce((n, c) => n + c.text.length, 0);
  if (chars <= INLINE_CHARS) {
    // A small book: its texts in its plan, one object to write (a library's submit is mostly these writes).
    const stored: StoredPlan = { finalize: plan.finalize, parts: texts.map(() => ''), texts };
    const key = await putJson(store, stored);
    return { plan: key, stored, objects: [textObjectName(key)] };
  }
  const parts: string[] = [];
  for (const t of texts) parts.push(await putJson(store, t));
  const stored: StoredPlan = { finalize: plan.finalize, parts };
  const key = await putJson(store, stored);
  return { plan: key, stored, objects: [...new Set([key, ...parts])].map(textObjectName) };
}
