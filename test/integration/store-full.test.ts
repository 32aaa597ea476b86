/**
 * A segment store that is full or read-only while a book is narrated: once the model has answered,
 * a reading that cannot be stored is never bought again. The book fails after at most one call per
 * chunk, saying which store refused and why, and `narrate retry` stores the kept readings without a
 * model call once the store takes writes again. A submit writes the book's texts to the store, so a
 * store already full or read-only refuses the submit itself, naming the store, and nothing is
 * queued. The store is a real small tmpfs mounted for the test (needs root: CI runs as root;
 * elsewhere the test is skipped and says why); the model is the fake, which counts the calls.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone } from '../../src/audio/tone.js';
import { BOOK_FORMAT } from '../../src/audio/wav-format.js';
import { writeWav } from '../../src/audio/write-wav.js';
import { retryBook } from '../../src/books/retry-book.js';
import { listBooks } from '../../src/books/list-books.js';
import { submitBooks } from '../../src/producer/submit-books.js';
import { openSegmentStore } from '../../src/store/open-segment-store.js';
import { FsSegmentStore } from '../../src/store/fs-segment-store.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { runCli } from '../helpers/run-cli.js';

const run = promisify(execFile);
const root = process.getuid?.() === 0;
const KEY = 'sk-test-store-full-0123456789';

/** Three chunks of one book: each a sentence the fake reads as about four seconds of tone (190 KB). */
const SENTENCES = [
  'The keeper climbed the stairs at dusk to light the lamp.',
  'A ship passed far out, its lanterns low on the grey water.',
  'By morning the storm had gone and the gulls came back again.',
];

describe.skipIf(!root)('a segment store that is full or read-only (needs root to mount a tmpfs)', () => {
  let fake: FakeModelServer;
  let h: Harness;
  let disk: string;

  beforeAll(async () => {
    fake = await startFakeModel({ apiKey: KEY, charsPerSecond: 15 });
    disk = await mkdtemp(join(tmpdir(), 'narrate-full-store-'));
    h = await createHarness('store-full', {
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(disk, 'segments'),
      NARRATE_MAX_ATTEMPTS: '4',
    });
  });
  afterAll(async () => {
    await run('umount', ['-l', disk]).catch(() => undefined);
    await rm(disk, { recursive: true, force: true });
    await h?.close();
    await fake?.close();
  });

  /** A book of the three sentences (each its own chunk), with a word that makes its texts its own. */
  async function book(tag: string): Promise<string> {
    const path = join(h.dir, `${tag}.txt`);
    await writeFile(path, SENTENCES.map((s) => `${s} (${tag})`).join('\n\n'));
    return path;
  }

  /** Model calls made so far for each chunk of the book tagged `tag`. */
  const callsOf = (tag: string) => SENTENCES.map((s) => fake.callsFor(`${s} (${tag})`));

  /** Segments in the store now. */
  async function stored(): Promise<number> {
    const files = await readdir(join(disk, 'segments'), { recursive: true });
    return files.filter((f) => /^[0-9a-f]{2}\/[0-9a-f]{64}\.wav$/.test(f)).length;
  }

  /** Fills the mounted disk to the last byte: every later write meets ENOSPC. */
  async function fill(): Promise<void> {
    await run('dd', ['if=/dev/zero', `of=${join(disk, 'filler')}`, 'bs=4k']).catch(() => undefined);
  }

  /**
   * Submits the book tagged `tag` into a store with room, then makes the store `after` (full, or
   * read-only) before a worker starts: the book's texts are in, its segments cannot be.
   */
  async function narrateAndRetry(tag: string, size: string, after: 'full' | 'read-only' | 'room', expected: RegExp, storedBefore: (n: number) => boolean): Promise<void> {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]);
    try {
      await mkdir(join(disk, 'segments'));
      const source = await book(tag);
      const submission = await submitBooks([source], { outDir: join(h.dir, 'out'), format: 'wav', maxChars: 80 }, h.config, h.connection);
      expect(submission.failures).toEqual([]);
      if (after === 'full') await fill();
      if (after === 'read-only') await run('mount', ['-o', 'remount,ro', disk]);
      const bookId = submission.books[0]!.bookId;
      const statuses = await h.watch([bookId]);
      expect(submission.books[0]!.chunks).toBe(SENTENCES.length);
      expect(statuses[0]!.state, statuses[0]!.reason).toBe('failed');
      expect(statuses[0]!.reason).toMatch(expected);
      expect(statuses[0]!.reason).toContain(`narrate retry ${bookId}`);
      // At most one call per chunk, whatever the store did with the readings.
      for (const n of callsOf(tag)) expect(n).toBeLessThanOrEqual(1);
      const bought = callsOf(tag);
      expect(storedBefore(await stored()), `${await stored()} segment(s) stored before the retry`).toBe(true);

      // Room again: the retry stores what was bought, and buys nothing twice.
      await run('mount', ['-o', 'remount,rw,size=64m', disk]);
      await rm(join(disk, 'filler'), { force: true });
      const outcome = await retryBook(h.connection, { prefix: h.config.prefix, retry: { attempts: h.config.maxAttempts, backoffMs: h.config.backoffMs }, store: openSegmentStore(h.config) }, bookId);
      expect(outcome.result, outcome.message).toBe('done');
      const [after_] = await h.watch([bookId]);
      expect(after_!.state, after_!.reason).toBe('done');
      expect(callsOf(tag)).toEqual(bought.map(() => 1));
      expect(bought).toEqual([1, 1, 1]);
      expect(await stored()).toBe(SENTENCES.length);
    } finally {
      await run('umount', ['-l', disk]).catch(() => undefined);
    }
  }

  /**
   * `narrate submit` into a store that is already full or read-only: refused before anything is
   * queued, naming the store; `code` as its error's kind says (errors.ts: a full store is disk-full,
   * exit 1; a read-only directory fails the store's start-up check, a setting to fix, exit 2).
   */
  async function submitRefused(tag: string, before: 'full' | 'read-only', code: number, expected: RegExp): Promise<void> {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
    try {
      await mkdir(join(disk, 'segments'));
      if (before === 'full') await fill();
      if (before === 'read-only') await run('mount', ['-o', 'remount,ro', disk]);
      const source = await book(tag);
      const booksBefore = (await listBooks(h.connection, h.config.prefix)).length;
      const result = await runCli(['submit', source, '--out', join(h.dir, 'out'), '--format', 'wav'], {
        NARRATE_PREFIX: h.config.prefix,
        NARRATE_STORE_DIR: join(disk, 'segments'),
        NARRATE_API_KEY: KEY,
        NARRATE_BASE_URL: fake.url,
      });
      expect(result.code, result.stderr).toBe(code);
      expect(result.stderr).toMatch(expected);
      expect(result.stdout).toBe('');
      // Nothing queued: no book listed, no job waiting, no call made.
      expect((await listBooks(h.connection, h.config.prefix)).length).toBe(booksBefore);
      expect(await h.queues.finalize.getJobCountByTypes('waiting', 'waiting-children', 'delayed', 'prioritized')).toBe(0);
      expect(callsOf(tag)).toEqual([0, 0, 0]);
    } finally {
      await run('umount', ['-l', disk]).catch(() => undefined);
    }
  }

  it('full from the start: fails naming the store after one call per chunk, and the retry buys nothing again', async () => {
    await narrateAndRetry('empty-room', '4m', 'full', new RegExp(`no space left in the segment store file://${disk}/segments`), (n) => n === 0);
  }, 120_000);

  it('filling midway: the chunks that fit are stored, the others kept, none bought twice', async () => {
    await narrateAndRetry('some-room', '450k', 'room', new RegExp(`no space left in the segment store file://${disk}/segments`), (n) => n > 0 && n < SENTENCES.length);
  }, 120_000);

  it('read-only: fails naming the store and the cause, and the retry buys nothing again', async () => {
    await narrateAndRetry('read-only', '4m', 'read-only', new RegExp(`segment store file://${disk}/segments is read-only \\(EROFS\\)`), (n) => n === 0);
  }, 120_000);

  it('a submit into a full store is refused, naming the store, and queues nothing (exit 1)', async () => {
    await submitRefused('into-full', 'full', 1, new RegExp(`no space left in the segment store file://${disk}/segments`));
  }, 60_000);

  it('a submit into a read-only store is refused, naming the store, and queues nothing (exit 2)', async () => {
    await submitRefused('into-read-only', 'read-only', 2, new RegExp(`store file://${disk}/segments.*EROFS`));
  }, 60_000);

  it('a long reading arriving in pieces moves to the fallback disk when the spool\'s disk fills, whole and exact', async () => {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1536k', 'tmpfs', disk]);
    try {
      const fallback = join(h.dir, 'fallback-spool');
      const spool = new FsSegmentStore(join(disk, 'segments'), { spoolFallback: fallback }).spool();
      // A minute of tone (2.9 MB) in 64 KB pieces: past the 2 MiB the writer keeps in memory, past the disk.
      const wav = writeWav(BOOK_FORMAT, tone(BOOK_FORMAT, 60_000, 440));
      const writer = await spool.writer();
      for (let at = 0; at < wav.length; at += 65_536) await writer.write(Buffer.from(wav.subarray(at, at + 65_536)));
      const file = await writer.end();
      expect(file.path.startsWith(`${fallback}/`), file.path).toBe(true);
      expect((await readFile(file.path)).equals(wav), "the moved file holds exactly the WAV that arrived").toBe(true);
      // Nothing of it is left on the full disk.
      expect((await readdir(join(disk, 'segments', '.spool'))).filter((f) => f.endsWith('.wav'))).toEqual([]);
    } finally {
      await run('umount', ['-l', disk]).catch(() => undefined);
    }
  });
});

