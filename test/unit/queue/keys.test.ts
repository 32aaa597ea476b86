import { describe, expect, it } from 'vitest';
import { bookKeys, bookShardPrefix, bullPrefix, clusterSlot, shardOfBook, shardPrefixes, useShards } from '../../../src/queue/keys.js';

describe('the keys of a sharded fleet', () => {
  it("computes a Cluster's slot as Redis does (CRC16/XMODEM of the tag, mod 16384)", () => {
    // The Cluster specification's own check value: CRC16 of "123456789" is 0x31C3.
    expect(clusterSlot('123456789')).toBe(0x31c3);
    // What `CLUSTER KEYSLOT foo` answers on a real server.
    expect(clusterSlot('foo')).toBe(12182);
  });

  it('keeps one shard exactly as before: every key under {prefix}', () => {
    expect(shardPrefixes('lib', 1)).toEqual(['{lib}']);
    expect(bookKeys('one-shard', 'b-1').record).toBe('{one-shard}:book:b-1');
    expect(bookShardPrefix('one-shard', 'b-1')).toBe(bullPrefix('one-shard'));
  });

  it("gives shard s of N a tag whose slot is in the s-th N-th of the slots, so equal slot runs hold equal shares", () => {
    for (const n of [2, 3, 6, 9, 16]) {
      const tags = shardPrefixes('library', n);
      expect(new Set(tags).size).toBe(n);
      tags.forEach((tag, s) => {
        const slot = clusterSlot(tag.slice(1, -1));
        expect(slot).toBeGreaterThanOrEqual(Math.floor((s * 16384) / n));
        expect(slot).toBeLessThan(Math.floor(((s + 1) * 16384) / n));
      });
    }
    // Three masters as `redis-cli --cluster create` deals the slots: 0-5460, 5461-10922, 10923-16383.
    const master = (slot: number) => (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);
    expect(shardPrefixes('library', 9).map((t) => master(clusterSlot(t.slice(1, -1))))).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });

  it("puts a book in a shard that follows from its id alone, and spreads ids evenly", () => {
    expect(shardOfBook('the-tale-mxcf362ucee35e', 3)).toBe(shardOfBook('the-tale-mxcf362ucee35e', 3));
    const counts = [0, 0, 0];
    for (let i = 0; i < 3_000; i++) counts[shardOfBook(`book-${i}-mxcf36${i.toString(36)}`, 3)]!++;
    for (const c of counts) expect(Math.abs(c - 1_000)).toBeLessThan(100);
    useShards('three-shards', 3);
    const id = 'some-book-mxcf362ucee35e';
    expect(bookKeys('three-shards', id).record).toBe(`${shardPrefixes('three-shards', 3)[shardOfBook(id, 3)]}:book:${id}`);
    useShards('three-shards', 1);
    expect(bookKeys('three-shards', id).record).toBe(`{three-shards}:book:${id}`);
  });
});
