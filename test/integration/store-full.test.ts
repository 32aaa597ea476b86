/**
 * A segment store that is full or read-only while a book is narrated: once the model has answered,
 * a reading that cannot be stored is never bought again. The book fails after at most one call per
 * chunk, saying which store refused and why, and `narrate retry` stores the kept readings without a
 * model call once the store takes writes again. The store is a real small tmpfs mounted for the
 * test (needs root: CI runs as root; elsewhere the test is skipped and says why); the model is the
 * fake, which counts the calls.
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
import { FsSegmentStore } from '../../src/store/fs-segment-store.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

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

  async function narrateAndRetry(tag: string, size: string, mountOptions: string, expected: RegExp, storedBefore: (n: number) => boolean): Promise<void> {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]);
    try {
      await mkdir(join(disk, 'segments'));
      if (mountOptions !== '') await run('mount', ['-o', `remount,${mountOptions}`, disk]);
      const source = await book(tag);
      const { submission, statuses } = await h.narrate([source], { format: 'wav', maxChars: 80 });
      const bookId = submission.books[0]!.bookId;
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
      const outcome = await retryBook(h.connection, { prefix: h.config.prefix, retry: { attempts: h.config.maxAttempts, backoffMs: h.config.backoffMs } }, bookId);
      expect(outcome.result, outcome.message).toBe('done');
      const [after] = await h.watch([bookId]);
      expect(after!.state, after!.reason).toBe('done');
      expect(callsOf(tag)).toEqual(bought.map(() => 1));
      expect(bought).toEqual([1, 1, 1]);
      expect(await stored()).toBe(SENTENCES.length);
    } finally {
      await run('umount', ['-l', disk]).catch(() => undefined);
    }
  }

  it('full from the start: fails naming the store after one call per chunk, and the retry buys nothing again', async () => {
    await narrateAndRetry('empty-room', '32k', '', new RegExp(`no space left in the segment store file://${disk}/segments`), (n) => n === 0);
  }, 120_000);

  it('filling midway: the chunks that fit are stored, the others kept, none bought twice', async () => {
    await narrateAndRetry('some-room', '450k', '', new RegExp(`no space left in the segment store file://${disk}/segments`), (n) => n > 0 && n < SENTENCES.length);
  }, 120_000);

  it('read-only: fails naming the store and the cause, and the retry buys nothing again', async () => {
    await narrateAndRetry('read-only', '4m', 'ro', new RegExp(`segment store file://${disk}/segments is read-only \\(EROFS\\)`), (n) => n === 0);
  }, 120_000);

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

