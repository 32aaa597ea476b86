/** The validators of the file being served. */
export interface Validators {
  /** A strong entity tag, quoted: `"1f40-18c9a2b3c4d"`. */
  etag: string;
  /** Last modification, in ms since the epoch. */
  lastModifiedMs: number;
}

/** The request headers that carry preconditions (lower-case names, as node gives them). */
export interface ConditionalHeaders {
  'if-match'?: string | undefined;
  'if-none-match'?: string | undefined;
  'if-modified-since'?: string | undefined;
  'if-unmodified-since'?: string | undefined;
  'if-range'?: string | undefined;
}

/**
 * What a GET or HEAD with these preconditions gets, in RFC 9110 §13.2.2's order: 412 when If-Match
 * (or, without it, If-Unmodified-Since) fails; 304 when If-None-Match (or, without it,
 * If-Modified-Since) says the client's copy is current; otherwise the request goes on, and
 * `rangeAllowed` says whether its Range may apply (If-Range, §13.1.5). Pure.
 */
export function evaluatePreconditions(headers: ConditionalHeaders, v: Validators): { status: 412 | 304 } | { status: 'go'; rangeAllowed: boolean } {
  const seconds = Math.floor(v.lastModifiedMs / 1000);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!tagListMatches(ifMatch, v.etag, 'strong')) return { status: 412 };
  } else {
    const since = httpDateSeconds(headers['if-unmodified-since']);
    if (since !== undefined && seconds > since) return { status: 412 };
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (tagListMatches(ifNoneMatch, v.etag, 'weak')) return { status: 304 };
  } else {
    const since = httpDateSeconds(headers['if-modified-since']);
    if (since !== undefined && seconds <= since) return { status: 304 };
  }
  return { status: 'go', rangeAllowed: ifRangeHolds(headers['if-range'], v.etag, seconds) };
}

/** If-Range: an entity tag must match strongly, a date must be exactly the last modification. */
function ifRangeHolds(value: string | undefined, etag: string, seconds: number): boolean {
  if (value === undefined) return true;
  const trimmed = value.trim();
  if (trimmed.startsWith('"') || trimmed.startsWith('W/')) return !trimmed.startsWith('W/') && trimmed === etag;
  return httpDateSeconds(trimmed) === seconds;
}

/** `*` or a comma-separated list of entity tags, compared strongly (If-Match) or weakly (If-None-Match). */
function tagListMatches(list: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  if (list.trim() === '*') return true;
  for (const raw of list.match(/(?:W\/)?"[^"]*"/g) ?? []) {
    const weak = raw.startsWith('W/');
    if (comparison === 'strong' && weak) continue;
    if ((weak ? raw.slice(2) : raw) === etag) return true;
  }
  return false;
}

/** An HTTP-date in whole seconds, or undefined when absent or not a date (then the header is ignored, §13.1.3-4). */
function httpDateSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
