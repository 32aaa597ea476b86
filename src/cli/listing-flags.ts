import { BOOK_STATES, type BookState } from '../queue/book-record.js';
import { UsageError } from '../errors.js';

/** Books on one page of `list` and `status` when --limit is not given: a screenful that answers at once. */
export const DEFAULT_LISTING_LIMIT = 100;
/** Books read per round trip when --limit all streams every book. */
const ALL_PAGE = 500;

/** The flags `list` and `status` share, as typed by the user. */
export interface ListingFlags {
  limit?: string;
  state?: string;
  after?: string;
  json?: boolean;
}

/** The listing asked for: `all` walks every page, `limit` books at a time. */
export interface Listing {
  limit: number;
  all: boolean;
  state?: BookState;
  after?: string;
}

/** Checks --limit, --state and --after; a bad value is a UsageError saying what is expected. */
export function parseListingFlags(flags: ListingFlags): Listing {
  if (flags.state !== undefined && !BOOK_STATES.includes(flags.state as BookState)) {
    throw new UsageError(`--state: expected one of ${BOOK_STATES.join(', ')}, got "${flags.state}"`);
  }
  if (flags.after !== undefined && flags.after.trim() === '') throw new UsageError('--after: expected the id of the last book of the previous page, got ""');
  let limit = DEFAULT_LISTING_LIMIT;
  let all = false;
  if (flags.limit === 'all') {
    all = true;
    limit = ALL_PAGE;
  } else if (flags.limit !== undefined) {
    if (!/^\d{1,7}$/.test(flags.limit) || Number(flags.limit) < 1) throw new UsageError(`--limit: expected a whole number >= 1 or "all", got "${flags.limit}"`);
    limit = Number(flags.limit);
  }
  return { limit, all, ...(flags.state === undefined ? {} : { state: flags.state as BookState }), ...(flags.after === undefined ? {} : { after: flags.after }) };
}

/** The command line that shows the next page (stderr, after a page that has one). */
export function nextPageHint(command: 'list' | 'status', listing: Listing, next: string, json: boolean): string {
  const flags = [
    listing.limit === DEFAULT_LISTING_LIMIT ? '' : ` --limit ${listing.limit}`,
    listing.state === undefined ? '' : ` --state ${listing.state}`,
    json ? ' --json' : '',
  ].join('');
  return `next page: narrate ${command}${flags} --after ${next}`;
}
