/** Redis's clock in ms, inside a script: the same clock for every host of the fleet. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: the book's record, its segments set, segments:books, segments:removing. ARGV: segment keys.
 * Adds each key to the book's set (counting a new one in segments:books) unless the book is gone
 * from Redis; answers the keys a prune is deleting right now.
 */
export const USE_SEGMENTS = `
${NOW}
local busy = {}
local recorded = redis.call('EXISTS', KEYS[1]) == 1
for _, key in ipairs(ARGV) do
  if recorded and redis.call('SADD', KEYS[2], key) == 1 then redis.call('HINCRBY', KEYS[3], key, 1) end
  local until_ms = redis.call('ZSCORE', KEYS[4], key)
  if until_ms and tonumber(until_ms) > now then table.insert(busy, key) end
end
return busy
`;

/**
 * KEYS: a book's segments set, segments:books. Lets go of every segment the book held (the book is
 * leaving Redis), and deletes its set; answers how many it held.
 */
export const RELEASE_BOOK_SEGMENTS = `
local keys = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(keys) do
  if redis.call('HINCRBY', KEYS[2], key, -1) <= 0 then redis.call('HDEL', KEYS[2], key) end
end
redis.call('DEL', KEYS[1])
return #keys
`;

/**
 * KEYS: segments:books, segments:removing. ARGV: a segment key, how long the claim holds (ms).
 * 1 when no book holds the segment and it is now claimed for deletion; 0 when a book holds it, or
 * another prune has claimed it (two prunes deleting one key could otherwise delete it again after
 * the first let go and a worker stored it anew).
 */
export const CLAIM_SEGMENT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
return 1
`;
