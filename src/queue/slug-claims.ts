import type { RedisConnection as Redis } from './connection.js';
import { bookKeys, shardsOf, slugClaimsKey } from './keys.js';

/** The book taking a slug: its id, and its source (the input's absolute path), which says whether two books are the same. */
export interface SlugHolder {
  bookId: string;
  source: string;
}

/** `claimed`: no live book held the slug; `shared`: a live book of the same source holds it too; `taken`: another book does. */
export type ClaimOutcome = 'claimed' | 'shared' | 'taken';

/**
 * How long a claim whose book has no record yet counts as live: a submit claims its slugs before it
 * writes its records (covers are published under the slug in between). A submit that died in
 * that window frees its slugs after this long.
 */
export const UNRECORDED_CLAIM_MS = 60 * 60 * 1000;

// Atomic, so two submits racing for one slug cannot both win. Holders whose book record is gone
// (cleaned, purged) or never came (past the grace time) are dropped. With one shard the records
// share this hash's tag, and the script looks them up itself (ARGV[8]: a record key without its
// book id). With more, records live in their books' shards (other slots on a Cluster), so the
// caller looks them up first and passes the ids it found (ARGV[7], a JSON list) with the holders it
// read (ARGV[6]; '*' with one shard): a hash that changed meanwhile answers 'changed' and the
// caller reads again.
const CLAIM = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[6] ~= '*' and (raw or '') ~= ARGV[6] then return 'changed' end
local holders = {}
if raw then holders = cjson.decode(raw) end
local recorded = {}
for _, id in ipairs(cjson.decode(ARGV[7])) do recorded[id] = true end
local now = tonumber(ARGV[4])
local keep = {}
local shared = 0
for _, h in ipairs(holders) do
  local live = recorded[h.bookId] or (ARGV[8] ~= '' and redis.call('EXISTS', ARGV[8] .. h.bookId) == 1) or (now - tonumber(h.at)) < tonumber(ARGV[5])
  if live and h.bookId ~= ARGV[2] then
    if h.source ~= ARGV[3] then return 'taken' end
    shared = 1
    table.insert(keep, h)
  end
end
table.insert(keep, { bookId = ARGV[2], source = ARGV[3], at = now })
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(keep))
if shared == 1 then return 'shared' end
return 'claimed'
`;

const RELEASE = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local keep = {}
for _, h in ipairs(cjson.decode(raw)) do
  if h.bookId ~= ARGV[2] then table.insert(keep, h) end
end
if #keep == 0 then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(keep)) end
return 1
`;

/** Takes `slug` under `outDir` for a book unless a live book of another source holds it (see ClaimOutcome). */
export async function claimSlug(redis: Redis, prefix: string, outDir: string, slug: string, holder: SlugHolder, now = Date.now()): Promise<ClaimOutcome> {
  const key = slugClaimsKey(prefix);
  const field = claimField(outDir, slug);
  if (shardsOf(prefix) === 1) {
    // A book's record key is this followed by its id (bookKeys), in this hash's tag: one round trip.
    const records = bookKeys(prefix, '').record;
    return (await redis.eval(CLAIM, 1, key, field, holder.bookId, holder.source, now, UNRECORDED_CLAIM_MS, '*', '[]', records)) as ClaimOutcome;
  }
  for (;;) {
    const raw = await redis.hget(key, field);
    const holders = raw === null ? [] : (JSON.parse(raw) as { bookId: string }[]);
    const exists = await Promise.all(holders.map((h) => redis.exists(bookKeys(prefix, h.bookId).record)));
    const recorded = holders.filter((_, i) => exists[i] === 1).map((h) => h.bookId);
    const outcome = await redis.eval(CLAIM, 1, key, field, holder.bookId, holder.source, now, UNRECORDED_CLAIM_MS, raw ?? '', JSON.stringify(recorded), '');
    if (outcome !== 'changed') return outcome as ClaimOutcome;
  }
}

/** Gives a book's slug back (its book is refused, or removed from Redis). */
export async function releaseSlug(redis: Redis, prefix: string, outDir: string, slug: string, bookId: string): Promise<void> {
  await redis.eval(RELEASE, 1, slugClaimsKey(prefix), claimField(outDir, slug), bookId);
}

function claimField(outDir: string, slug: string): string {
  return `${outDir}\n${slug}`;
}
