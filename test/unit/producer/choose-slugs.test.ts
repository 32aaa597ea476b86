import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseSlugs, type SlugChecks } from '../../../src/producer/choose-slugs.js';
import type { SlugOwner } from '../../../src/producer/slug-owners.js';
import { slugOfName } from '../../../src/finalizer/book-paths.js';
import { bookKeys, useShards } from '../../../src/queue/keys.js';
import { UNRECORDED_CLAIM_MS, claimSlug, releaseSlug } from '../../../src/queue/slug-claims.js';
import { slugClaimsKey } from '../../../src/queue/keys.js';
import { testPrefix } from '../../helpers/test-prefix.js';

const nobody: SlugChecks['owners'] = async () => ({ holder: 'none' });
const onDisk = (owners: Record<string, SlugOwner>): SlugChecks['owners'] => async (slug) => owners[slug] ?? { holder: 'none' };
const slugsOf = async (wishes: [string, string][], checks: SlugChecks) => (await chooseSlugs(wishes.map(([base, source]) => ({ base, source })), checks)).map((c) => c.slug);

describe('chooseSlugs', () => {
  it('gives books of one title in a batch their own slugs, and "Same 2" keeps same-2', async () => {
    expect(await slugsOf([['same', '/a'], ['same', '/b'], ['same-2', '/c']], { owners: nobody })).toEqual(['same', 'same-3', 'same-2']);
    expect(await slugsOf([['same', '/a'], ['same', '/b'], ['same', '/c']], { owners: nobody })).toEqual(['same', 'same-2', 'same-3']);
  });

  it("skips slugs whose files belong to another source or to nobody known, and takes back the book's own", async () => {
    const owners = onDisk({ same: { holder: 'book', source: '/a' }, 'same-2': { holder: 'unknown' } });
    expect(await slugsOf([['same', '/b']], { owners })).toEqual(['same-3']);
    expect(await slugsOf([['same', '/a']], { owners })).toEqual(['same']);
    // The book of /a comes second in the batch: it still gets its own files back.
    expect(await slugsOf([['same', '/b'], ['same', '/a']], { owners })).toEqual(['same-3', 'same']);
  });

  it('asks for the title slugs of a batch all at once, and gives the same slugs as one by one', async () => {
    let inFlight = 0;
    let most = 0;
    const taken = new Set(['taken']);
    const claim: SlugChecks['claim'] = async (slug) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return taken.has(slug) ? 'taken' : 'claimed';
    };
    const wishes: [string, string][] = [['a', '/a'], ['taken', '/t'], ['b', '/b'], ['same', '/s1'], ['same', '/s2'], ['taken-2', '/t2'], ['c', '/c']];
    expect(await slugsOf(wishes, { owners: nobody, claim })).toEqual(['a', 'taken-3', 'b', 'same', 'same-2', 'taken-2', 'c']);
    // a, taken, b, taken-2 and c have titles of their own in the batch: their claims overlap.
    expect(most).toBe(5);
  });

  it('gives each book the id its slug was claimed under', async () => {
    const claimed: string[] = [];
    const chosen = await chooseSlugs([{ base: 'x', source: '/a' }], { owners: nobody, claim: async (slug, holder) => (claimed.push(`${slug}:${holder.bookId}`), 'claimed') });
    expect(claimed).toEqual([`x:${chosen[0]!.bookId}`]);
    expect(chosen[0]!.bookId.startsWith('x-')).toBe(true);
  });
});

describe('slugOfName', () => {
  it.each([
    ['same.m4b', 'same'],
    ['same-2.json', 'same-2'],
    ['same.chapters', 'same'],
    // A read-along EPUB and captions are a book's own files: a second book of the title never replaces them.
    ['same.epub', 'same'],
    ['same.vtt', 'same'],
    ['same', 'same'],
    ['.narrate-parts', undefined],
    ['.same.cover.jpg', undefined],
    ['same.txt', undefined],
    ['Same.m4b', undefined],
  ])('%j belongs to %j', (name, slug) => expect(slugOfName(name)).toBe(slug));
});

// With several shards a holder's record is in its own shard's tag, looked up before the claim.
describe.each([1, 3])('slug claims in Redis (NARRATE_SHARDS=%i)', (shards) => {
  const prefix = testPrefix('slug-claims');
  let redis: Redis;
  beforeAll(() => {
    useShards(prefix, shards);
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  });
  afterAll(async () => {
    await redis.del(slugClaimsKey(prefix), bookKeys(prefix, 'b1').record, bookKeys(prefix, 'b2').record);
    await redis.quit();
  });

  it('lets one of two books of different sources racing for a slug have it, and shares it with the same source', async () => {
    const outcomes = await Promise.all([
      claimSlug(redis, prefix, '/out', 'race', { bookId: 'b1', source: '/a' }),
      claimSlug(redis, prefix, '/out', 'race', { bookId: 'b2', source: '/b' }),
    ]);
    expect(outcomes.sort()).toEqual(['claimed', 'taken']);
    const winner = outcomes.indexOf('claimed') === 0 ? '/a' : '/b';
    expect(await claimSlug(redis, prefix, '/out', 'race', { bookId: 'b3', source: winner })).toBe('shared');
    // Another output is another name space.
    expect(await claimSlug(redis, prefix, '/elsewhere', 'race', { bookId: 'b4', source: '/z' })).toBe('claimed');
  });

  it('frees a slug when its book is released, or when it never got a record within the grace time', async () => {
    await redis.hset(bookKeys(prefix, 'b1').record, 'bookId', 'b1');
    expect(await claimSlug(redis, prefix, '/out', 'kept', { bookId: 'b1', source: '/a' })).toBe('claimed');
    // Recorded: held however old the claim.
    expect(await claimSlug(redis, prefix, '/out', 'kept', { bookId: 'b2', source: '/b' }, Date.now() + 2 * UNRECORDED_CLAIM_MS)).toBe('taken');
    await releaseSlug(redis, prefix, '/out', 'kept', 'b1');
    expect(await claimSlug(redis, prefix, '/out', 'kept', { bookId: 'b2', source: '/b' })).toBe('claimed');
    // b2 has no record: held during the grace time, free after it.
    expect(await claimSlug(redis, prefix, '/out', 'kept', { bookId: 'b5', source: '/c' })).toBe('taken');
    expect(await claimSlug(redis, prefix, '/out', 'kept', { bookId: 'b5', source: '/c' }, Date.now() + UNRECORDED_CLAIM_MS + 1_000)).toBe('claimed');
  });
});
