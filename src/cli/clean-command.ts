import type { Config } from '../config.js';
import { readBookShape, removeBookRecord, type BookState } from '../queue/book-record.js';
import { listBooks } from '../books/list-books.js';
import type { DamagedBookRecordError } from '../queue/damaged-book-record-error.js';
import { removeBookJobs } from '../books/remove-book-jobs.js';
import type { CliIo } from './io.js';
import { UsageError } from '../errors.js';
import { printable, printableMessage } from './printable.js';
import { withRedis } from './with-redis.js';

/** States whose books `narrate clean` removes. */
export const CLEANABLE_STATES: readonly BookState[] = ['done', 'failed', 'cancelled'];

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Reads an age such as `7d`, `12h`, `30m`, `90s` or `2w` into milliseconds. */
export function parseAge(raw: string): number {
  const match = /^(\d+)(s|m|h|d|w)$/.exec(raw.trim());
  if (!match) throw new UsageError(`--older-than: expected an age such as 7d, 12h, 30m, 90s or 2w, got "${raw}"`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** `narrate clean --older-than 7d`: removes the jobs and keys of done, failed and cancelled books submitted before then. */
export async function cleanCommand(flags: { olderThan: string }, config: Config, io: CliIo): Promise<number> {
  const ageMs = parseAge(flags.olderThan);
  return withRedis(config, 'narrate-clean', async ({ redis }) => {
    const before = Date.now() - ageMs;
    // A damaged record is kept (its state and age cannot be trusted) and named.
    const onDamaged = (error: DamagedBookRecordError): void => void io.stderr.write(`kept: ${printable(error.message)}\n`);
    const books = (await listBooks(redis, config.prefix, { onDamaged })).filter((b) => CLEANABLE_STATES.includes(b.state) && Date.parse(b.createdAt) <= before);
    let removed = 0;
    for (const b of books) {
      try {
        await removeBookJobs(redis, config.prefix, b.bookId, await readBookShape(redis, config.prefix, b.bookId), { waitMs: 0 });
      } catch (error) {
        io.stderr.write(`kept ${printable(b.bookId)}: ${printableMessage((error as Error).message)}\n`);
        continue;
      }
      await removeBookRecord(redis, config.prefix, b.bookId);
      io.stdout.write(`removed ${printable(b.bookId)}\t${b.state}\t${printable(b.title)}\n`);
      removed++;
    }
    io.stderr.write(`${removed} book(s) removed (done, failed or cancelled, submitted more than ${flags.olderThan} ago)\n`);
    return 0;
  });
}
