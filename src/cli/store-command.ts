import type { Config } from '../config.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../queue/names.js';
import { referencedSegments } from '../queue/referenced-segments.js';
import { SegmentRefs } from '../queue/segment-refs.js';
import { openSegmentStore } from '../store/open-segment-store.js';
import { parseAge, pruneSegments } from '../store/prune-segments.js';
import type { CliIo } from './io.js';
import { UsageError } from '../errors.js';
import { withRedis } from './with-redis.js';

/**
 * `narrate store prune --older-than 30d [--dry-run]`: removes segments stored before the cut-off
 * that no book still in Redis (under NARRATE_PREFIX) holds, whatever its state. Works on a
 * directory or a bucket, while books are being narrated.
 */
export async function storePruneCommand(flags: { olderThan?: string; dryRun?: boolean }, config: Config, io: CliIo): Promise<number> {
  if (flags.olderThan === undefined) throw new UsageError('--older-than: required, e.g. --older-than 30d');
  const age = parseAge(flags.olderThan);
  if (age === undefined) throw new UsageError(`--older-than: expected an age such as 30d, 12h, 90m or 2w, got "${flags.olderThan}"`);
  const store = openSegmentStore(config);
  try {
    await store.probe();
    return await withRedis(config, 'narrate-store-prune', async ({ redis: connection, queues }) => {
      const finalize = queues.all(FINALIZE_QUEUE);
      const synthesize = queues.all(SYNTHESIZE_QUEUE);
      // The cut-off first: a segment stored from now on is younger than it. Books hold their segments
      // in Redis (claimed one at a time below, so one stored or reused meanwhile is kept too); the
      // jobs' results cover books queued before they did.
      const cutoff = new Date(Date.now() - age);
      // Every shard's jobs.
      const referenced = new Set<string>();
      for (const [i, f] of finalize.entries()) for (const key of await referencedSegments(f, synthesize[i]!)) referenced.add(key);
      const guard = new SegmentRefs(connection, config.prefix);
      const outcome = await pruneSegments(store, { cutoff, referenced, guard, dryRun: flags.dryRun === true });
      const mb = (outcome.removedBytes / 1024 / 1024).toFixed(1);
      io.stdout.write(
        `${flags.dryRun ? 'would remove' : 'removed'} ${outcome.removed} segment(s) (${mb} MB) stored before ${cutoff.toISOString()} from ${store.url}; ` +
          `kept ${outcome.keptReferenced} used by books in Redis (prefix "${config.prefix}") and ${outcome.keptRecent} younger; ` +
          `book texts: ${flags.dryRun ? 'would remove' : 'removed'} ${outcome.texts.removed}, kept ${outcome.texts.kept} (held by books in Redis, or younger)\n`,
      );
      return 0;
    });
  } finally {
    await store.close();
  }
}
