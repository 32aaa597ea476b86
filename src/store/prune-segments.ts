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

/**
 * Removes every segment stored before `cutoff` that no book in `referenced` uses. Listing and
 * deleting go one object at a time, so a store of millions of segments takes no more memory than
 * the referenced set.
 */
export async function pruneSegments(
  store: SegmentStore,
  options: { cutoff: Date; referenced: ReadonlySet<string>; dryRun?: boolean; onRemove?: (key: string) => void },
): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { removed: 0, removedBytes: 0, keptReferenced: 0, keptRecent: 0 };
  for await (const o of store.list()) {
    if (o.modifiedAt >= options.cutoff) {
      outcome.keptRecent++;
      continue;
    }
    if (options.referenced.has(o.key)) {
      outcome.keptReferenced++;
      continue;
    }
    if (!options.dryRun) await store.remove(o.key);
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
