import type { Config } from '../config.js';
import { formatUsd } from '../money/estimate-cost.js';
import type { BookRecord } from '../queue/book-record.js';
import type { DamagedBookRecordError } from '../queue/damaged-book-record-error.js';
import { listBookPage } from '../books/list-book-page.js';
import type { CliIo } from './io.js';
import { jsonArrayWriter } from './json-array-writer.js';
import { nextPageHint, parseListingFlags, type ListingFlags } from './listing-flags.js';
import { printable } from './printable.js';
import { withRedis } from './with-redis.js';

/**
 * `narrate list [--state S] [--limit N|all] [--after ID] [--json]`: a page of books, oldest first,
 * with state, chunks done/total, cost so far and created time; the next page's command on stderr.
 */
export async function listCommand(flags: ListingFlags, config: Config, io: CliIo): Promise<number> {
  const listing = parseListingFlags(flags);
  return withRedis(config, 'narrate-list', async ({ redis }) => {
    // One damaged record must not hide every other book: it is named on stderr and skipped.
    const onDamaged = (error: DamagedBookRecordError): void => void io.stderr.write(`skipped: ${printable(error.message)}\n`);
    const json = flags.json === true ? jsonArrayWriter(io.stdout) : undefined;
    let after = listing.after;
    let listed = 0;
    for (;;) {
      const page = await listBookPage(redis, config.prefix, { limit: listing.limit, onDamaged, ...(listing.state === undefined ? {} : { state: listing.state }), ...(after === undefined ? {} : { after }) });
      // Written page by page: with --limit all the first books show before the last are read.
      for (const book of page.books) {
        if (json) json.write(book);
        else io.stdout.write(`${listed === 0 ? `${['id', 'state', 'chunks', 'cost', 'created', 'title'].join('\t')}\n` : ''}${formatBookLine(book)}\n`);
        listed++;
      }
      if (page.next === undefined) break;
      if (!listing.all) {
        json?.end();
        io.stderr.write(`${nextPageHint('list', listing, page.next, json !== undefined)}\n`);
        return 0;
      }
      after = page.next;
    }
    json?.end();
    if (listed === 0 && !json) io.stderr.write(`no books${listing.state ? ` in state ${listing.state}` : ''}${listing.after ? ` after ${printable(listing.after)}` : ''} under prefix "${config.prefix}"\n`);
    return 0;
  });
}

/** One book as a tab-separated line: id, state, done/total, cost (of the cap when capped), created, title (escaped: see printable). */
export function formatBookLine(b: BookRecord): string {
  const cost = b.maxCostUsd === undefined ? formatUsd(b.costUsd) : `${formatUsd(b.costUsd)}/${formatUsd(b.maxCostUsd)}`;
  return [b.bookId, b.state, `${b.chunksDone}/${b.chunksTotal}`, cost, b.createdAt.replace(/\.\d+Z$/, 'Z'), printable(b.title)].join('\t');
}
