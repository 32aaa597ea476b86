/**
 * `narrate list` and `narrate status` over a library: ten thousand book records in a private
 * redis-server (its own command counts are the record of what a page costs), read a page at a
 * time through the real binary, with --limit, --state, --after and --json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBookState, type BookRecord } from '../../src/queue/book-record.js';
import { openRedis } from '../../src/queue/connection.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { runCli } from '../helpers/run-cli.js';
import { seedBookRecords } from '../helpers/seed-book-records.js';
import { testPrefix } from '../helpers/test-prefix.js';

const BOOKS = 10_000;
const prefix = testPrefix('book-listings');
let dir = '';
let redis: PrivateRedis | undefined;
let connection: Redis | undefined;
let env: Record<string, string> = {};
let ids: string[] = [];
const failed = ['seeded-000007', 'seeded-004321', 'seeded-009998'];

/** Commands the private Redis has run, INFO excluded (the test's own way of asking). */
async function commands(): Promise<number> {
  const stats = String(await connection!.info('commandstats'));
  let total = 0;
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2]);
  return total;
}

const cli = (args: string[]) => runCli(args, env, { timeoutMs: 60_000 });
const listedIds = (stdout: string): string[] => stdout.split('\n').slice(1).filter((l) => l !== '').map((l) => l.split('\t')[0]!);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'narrate-book-listings-'));
  redis = await startPrivateRedis(join(dir, 'redis'));
  connection = openRedis(redis.url, { name: `${prefix}-test` });
  env = { REDIS_URL: redis.url, NARRATE_PREFIX: prefix, NARRATE_LOG_LEVEL: 'silent' };
  // Four books a millisecond, as a submit of a directory makes them: pages must neither skip nor repeat a tie.
  ids = (await seedBookRecords(connection, prefix, BOOKS, { perMs: 4 })).ids;
  for (const id of failed) await setBookState(connection, prefix, id, 'failed', { fields: { reason: `seeded failure of ${id}` } });
}, 120_000);

afterAll(async () => {
  await connection?.quit().catch(() => connection?.disconnect());
  await redis?.kill();
  await rm(dir, { recursive: true, force: true });
});

describe('narrate list over 10,000 books', () => {
  it('answers the first page oldest first, names the next page, and reads only that page from Redis', async () => {
    const before = await commands();
    const first = await cli(['list', '--limit', '50']);
    const cost = (await commands()) - before;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split('\n')[0]).toBe('id\tstate\tchunks\tcost\tcreated\ttitle');
    expect(listedIds(first.stdout)).toEqual(ids.slice(0, 50));
    expect(first.stdout).toContain('seeded-000000\tqueued\t0/4\t$0.0000\t2026-01-01T00:00:00Z\tSeeded Book 0');
    expect(first.stderr).toBe(`next page: narrate list --limit 50 --after ${ids[49]}\n`);
    // Two commands per book on the page and a few for the index, not two per book in Redis.
    expect(cost).toBeLessThan(2 * 51 + 20);

    const second = await cli(['list', '--limit', '50', '--after', ids[49]!]);
    expect(listedIds(second.stdout)).toEqual(ids.slice(50, 100));
  });

  it('walks every book page by page, each once, in submit order; the last page names no next one', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await cli(['list', '--limit', '2500', ...(after ? ['--after', after] : [])]);
      expect(page.code, page.stderr).toBe(0);
      seen.push(...listedIds(page.stdout));
      const next = /--after (\S+)\n$/.exec(page.stderr)?.[1];
      if (next === undefined) {
        expect(page.stderr).toBe('');
        break;
      }
      after = next;
    }
    expect(seen).toEqual(ids);
  });

  it('--state finds the three failed books among 10,000', async () => {
    const page = await cli(['list', '--state', 'failed']);
    expect(page.code, page.stderr).toBe(0);
    expect(listedIds(page.stdout)).toEqual(failed);
    expect(page.stderr).toBe('');
    const two = await cli(['list', '--state', 'failed', '--limit', '2']);
    expect(listedIds(two.stdout)).toEqual(failed.slice(0, 2));
    expect(two.stderr).toBe(`next page: narrate list --limit 2 --state failed --after ${failed[1]}\n`);
    const rest = await cli(['list', '--state', 'failed', '--limit', '2', '--after', failed[1]!]);
    expect(listedIds(rest.stdout)).toEqual([failed[2]]);
  });

  it('--json writes one JSON array, one book per line; --limit all streams every book', async () => {
    const page = await cli(['list', '--limit', '3', '--json']);
    const lines = page.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('[');
    expect(lines.at(-1)).toBe(']');
    const books = lines.slice(1, -1).map((l) => JSON.parse(l.replace(/,$/, '')) as BookRecord);
    expect(books.map((b) => b.bookId)).toEqual(ids.slice(0, 3));
    expect(JSON.parse(page.stdout)).toEqual(books);
    expect(page.stderr).toBe(`next page: narrate list --limit 3 --json --after ${ids[2]}\n`);

    const all = await cli(['list', '--limit', 'all', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect((JSON.parse(all.stdout) as BookRecord[]).map((b) => b.bookId)).toEqual(ids);
    expect(all.stderr).toBe('');
    expect(JSON.parse((await cli(['list', '--state', 'over-budget', '--json'])).stdout)).toEqual([]);
  });

  it('answers a bad --limit or an unknown --after with 2 and what to give instead', async () => {
    const usage: Array<[string[], string]> = [
      [['list', '--limit', '0'], '--limit: expected a whole number >= 1 or "all", got "0"'],
      [['status', '--limit', 'ten'], '--limit: expected a whole number >= 1 or "all", got "ten"'],
      [['list', '--after', 'no-such-book'], '--after: no book "no-such-book" under prefix'],
      [['status', '--after', 'no-such-book'], 'give the id of the last book of the previous page'],
      [['status', ids[0]!, '--limit', '5'], 'give them without a bookId, or give the bookId alone'],
    ];
    for (const [args, message] of usage) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});

describe('narrate status over 10,000 books', () => {
  it('pages like list, with each book as its record says when it has no jobs', async () => {
    const page = await cli(['status', '--limit', '2', '--after', ids[5]!]);
    expect(page.code, page.stderr).toBe(0);
    const lines = page.stdout.split('\n');
    expect(lines[0]).toBe(`${ids[6]}\tqueued\t0/4 chunks\tSeeded Book 6\ten`);
    expect(lines[1]).toBe(`${ids[7]}\tfailed\t0/4 chunks\tSeeded Book 7\ten  seeded failure of ${ids[7]}`);
    expect(page.stderr).toBe(`next page: narrate status --limit 2 --after ${ids[7]}\n`);

    const json = JSON.parse((await cli(['status', '--state', 'failed', '--json'])).stdout) as { bookId: string; state: string; reason?: string }[];
    expect(json.map((s) => [s.bookId, s.state])).toEqual(failed.map((id) => [id, 'failed']));
    expect(json[0]!.reason).toBe(`seeded failure of ${failed[0]}`);
  });
});
