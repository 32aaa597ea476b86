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
 * Writes a book's texts to the store, one object per part (its chunks' texts and how to read them)
 * and one for the plan (everything `finalize` needs, and the keys of the parts' texts), so Redis
 * carries keys, never text. Parts are written before the plan that names them.
 */
export async function storeBookPlan(store: Pick<SegmentStore, 'putText'>, plan: BookPlan): Promise<BookInStore> {
  const parts: string[] = [];
  for (const p of plan.finalize.parts) {
    const texts: PartTexts = { chunks: plan.synthesize.slice(p.from, p.to).map(({ bookId: _bookId, ...chunk }) => chunk) };
    parts.push(await putJson(store, texts));
  }
  const stored: StoredPlan = { finalize: plan.finalize, parts };
  const key = await putJson(store, stored);
  return { plan: key, stored, objects: [...new Set([key, ...parts])].map(textObjectName) };
}
