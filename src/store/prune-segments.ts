import type { SegmentStore, StoredObject } from './segment-store.js';
import { textKeyOf } from './text-key.js';

/** What prune did (or, on a dry run, would do). */
export interface PruneOutcome {
  /** Segments removed (dry run: that would be). */
  removed: number;
  removedBytes: number;
  /** Old enough, but used by a book still in Redis. */
  keptReferenced: number;
  /** Stored after the cut-off. */
  keptRecent: number;
  /** Book texts (`texts/<hash>`, see text-key.ts), counted apart from the segments above: removed (dry run: that would be), and kept (held or younger). */
  texts: { removed: number; kept: number };
}

/** What prune asks before it removes a segment: whether any book in Redis holds it, claimed atomically (see SegmentRefs). */
export interface PruneGuard {
  /** True when no book holds the segment and it is now claimed for deletion; false when a book holds it. */
  claim(key: string): Promise<boolean>;
  /** Lets go of a claim once the segment is deleted. */
  release(key: string): Promise<void>;
  /** Whether a book holds it (a dry run's question: nothing is claimed). */
  held(key: string): Promise<boolean>;
}

/**
 * Removes every segment stored before `cutoff` that no book uses: not in `referenced` (keys read
 * from jobs of books queued before books held their segments), and, with a guard, held by no
 * book at the moment it is deleted. Listing and deleting go one object at a time, so a store of
 * millions of segments takes no more memory than the referenced set.
 */
export async function pruneSegments(
  store: SegmentStore,
  options: { cutoff: Date; referenced: ReadonlySet<string>; guard?: PruneGuard; dryRun?: boolean; onRemove?: (key: string) => void },
): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { removed: 0, removedBytes: 0, keptReferenced: 0, keptRecent: 0, texts: { removed: 0, kept: 0 } };
  const { guard } = options;
  for await (const o of store.list()) {
    // A book's texts go by the same rule as its segments: only once no book in Redis holds them.
    if (textKeyOf(o.key) !== undefined) {
      if (await pruneText(store, o, options)) outcome.texts.removed++;
      else outcome.texts.kept++;
      continue;
    }
    if (o.modifiedAt >= options.cutoff) {
      outcome.keptRecent++;
      continue;
    }
    if (options.referenced.has(o.key)) {
      outcome.keptReferenced++;
      continue;
    }
    if (options.dryRun) {
      if (guard && (await guard.held(o.key))) {
        outcome.keptReferenced++;
        continue;
      }
    } else {
      // Claimed only if no book holds it; a worker that wants it from now on waits for the delete.
      if (guard && !(await guard.claim(o.key))) {
        outcome.keptReferenced++;
        continue;
      }
      try {
        await store.remove(o.key);
      } finally {
        await guard?.release(o.key);
      }
    }
    options.onRemove?.(o.key);
    outcome.removed++;
    outcome.removedBytes += o.bytes;
  }
  return outcome;
}

/** Removes one text object if it is older than the cut-off and no book holds it (claimed as a segment is); true when removed (dry run: would be). */
async function pruneText(store: SegmentStore, o: StoredObject, options: { cutoff: Date; guard?: PruneGuard; dryRun?: boolean; onRemove?: (key: string) => void }): Promise<boolean> {
  if (o.modifiedAt >= options.cutoff) return false;
  const { guard } = options;
  if (options.dryRun) return !(guard && (await guard.held(o.key)));
  if (guard && !(await guard.claim(o.key))) return false;
  try {
    await store.remove(o.key);
  } finally {
    await guard?.release(o.key);
  }
  options.onRemove?.(o.key);
  return true;
}

/** Parses an age such as `30d`, `12h`, `90m`, `2w`; undefined when it is not one. */
export function parseAge(text: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(match[1]) * unit;
}
