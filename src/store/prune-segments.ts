import type { SegmentStore } from './segment-store.js';

/** What prune did (or, on a dry run, would do). */
export interface PruneOutcome {
  /** Segments removed (dry run: that would be). */
  removed: number;
  removedBytes: number;
  /** Old enough, but used by a book still in Redis. */
  keptReferenced: number;
  /** Stored after the cut-off. */
  keptRecent: number;
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
  const outcome: PruneOutcome = { removed: 0, removedBytes: 0, keptReferenced: 0, keptRecent: 0 };
  const { guard } = options;
  for await (const o of store.list()) {
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

/** Parses an age such as `30d`, `12h`, `90m`, `2w`; undefined when it is not one. */
export function parseAge(text: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(match[1]) * unit;
}
