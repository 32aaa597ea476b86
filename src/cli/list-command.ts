import type { Config } from '../config.js';
import { formatUsd } from '../money/estimate-cost.js';
import { BOOK_STATES, type BookRecord, type BookState } from '../queue/book-record.js';
import { listBooks } from '../books/list-books.js';
import { connectRedis } from '../queue/connection.js';
import type { DamagedBookRecordError } from '../queue/damaged-book-record-error.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';
import { printable, printableJson } from './printable.js';

/** `narrate list [--state S] [--json]`: every book with its state, chunks done/total, cost so far and created time. */
export async function listCommand(flags: { state?: string; json?: boolean }, config: Config, io: CliIo): Promise<number> {
  if (flags.state !== undefined && !BOOK_STATES.includes(flags.state as BookState)) {
    throw new UsageError(`--state: expected one of ${BOOK_STATES.join(', ')}, got "${flags.state}"`);
  }
  const redis = await connectRedis(config.redis, { name: 'narrate-list' });
  try {
    // One damaged record must not hide every other book: it is named on stderr and skipped.
    const onDamaged = (error: DamagedBookRecordError): void => void io.stderr.write(`skipped: ${printable(error.message)}\n`);
    const books = await listBooks(redis, config.prefix, { onDamaged, ...(flags.state === undefined ? {} : { state: flags.state as BookState }) });
    if (flags.json) {
      io.stdout.write(`${printableJson(books)}\n`);
      return 0;
    }
    if (books.length === 0) {
      io.stderr.write(`no books${flags.state ? ` in state ${flags.state}` : ''} under prefix "${config.prefix}"\n`);
      return 0;
    }
    io.stdout.write(`${['id', 'state', 'chunks', 'cost', 'created', 'title'].join('\t')}\n`);
    for (const b of books) io.stdout.write(`${formatBookLine(b)}\n`);
    return 0;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** One book as a tab-separated line: id, state, done/total, cost (of the cap when capped), created, title (escaped: see printable). */
export function formatBookLine(b: BookRecord): string {
  const cost = b.maxCostUsd === undefined ? formatUsd(b.costUsd) : `${formatUsd(b.costUsd)}/${formatUsd(b.maxCostUsd)}`;
  return [b.bookId, b.state, `${b.chunksDone}/${b.chunksTotal}`, cost, b.createdAt.replace(/\.\d+Z$/, 'Z'), printable(b.title)].join('\t');
}
