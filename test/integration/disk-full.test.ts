/**
 * A disk that fills while a book is finished: the book fails saying so (and what to do), no partial
 * file or part is left behind, the narrated segments are kept, and once there is room a retry
 * finishes the book without one model call. Every output format, on disks that fill at different
 * stages (the first part, a chapter file, the book, the manifest). The full disk is a real one: a
 * small tmpfs mounted for each case, which needs root (CI runs as root; elsewhere the test is
 * skipped and says why).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, type OutputFormat } from '../../src/contracts/job-data.js';
import { OfflineNarrator } from '../../src/providers/offline-narrator.js';
import type { Narrator } from '../../src/providers/narrator.js';
import { retryBook } from '../../src/books/retry-book.js';
import { openSegmentStore } from '../../src/store/open-segment-store.js';
import { FsSegmentStore } from '../../src/store/fs-segment-store.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';
import { PROSE } from '../helpers/speech.js';

const run = promisify(execFile);
const root = process.getuid?.() === 0;

/** Every file under `dir`, relative, however deep. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1));
}

/** Bytes of every file under `dir`. */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const f of await filesUnder(dir)) total += (await stat(join(dir, f))).size;
  return total;
}

/** Disk sizes as shares of what the finished book takes: full at the first part, midway, and at the last few files. */
const SHARES = [0.05, 0.45, 0.9];

describe.skipIf(!root)('a disk that fills while a book is finished (needs root to mount a tmpfs)', () => {
  let h: Harness;
  let book: string;
  let narrator: Narrator;
  let calls = 0;
  let chunks = 0;
  const mounts: string[] = [];
  /** Bytes each format's finished book, chapter files and manifest take. */
  const needed = new Map<OutputFormat, number>();

  beforeAll(async () => {
    h = await createHarness('disk-full', { NARRATE_PART_CHARS: '150' });
    book = join(h.dir, 'harbour.md');
    // Two chapters of two parts each (a part is a chunk here): parts, chapter files and the book all take room.
    await writeFile(book, `# One\n\n${PROSE.slice(0, 2).join('\n\n')}\n\n# Two\n\n${PROSE.slice(2, 4).join('\n\n')}\n`);
    const offline = new OfflineNarrator(new FsSegmentStore(h.config.storeDir).spool());
    narrator = { name: offline.name, model: offline.model, narrate: (request) => (calls++, offline.narrate(request)) };
    // Each format once on a roomy disk: how much room it needs, and every segment stored (one call per chunk).
    for (const format of OUTPUT_FORMATS) {
      const out = join(h.dir, `roomy-${format}`);
      const { submission, statuses } = await h.narrate([book], { outDir: out, format, maxChars: 150 }, { narrator });
      expect(statuses[0]!.state, statuses[0]!.reason).toBe('done');
      chunks = submission.books[0]!.chunks;
      needed.set(format, await bytesUnder(out));
    }
    expect(calls).toBe(chunks);
  }, 300_000);
  afterAll(async () => {
    for (const disk of mounts) {
      await run('umount', ['-l', disk]).catch(() => undefined);
      await rm(disk, { recursive: true, force: true });
    }
    await h?.close();
  });

  for (const format of OUTPUT_FORMATS) {
    it(`${format}: fails the book saying so at every size of disk, leaves nothing on it, and a retry finishes it with no model call`, async () => {
      for (const share of SHARES) {
        const size = Math.max(4096, Math.ceil((needed.get(format)! * share) / 4096) * 4096);
        const disk = await mkdtemp(join(tmpdir(), `narrate-full-disk-${format}-`));
        mounts.push(disk);
        await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]);
        const where = `${format} on a ${size / 1024} KiB disk`;

        const { submission, statuses } = await h.narrate([book], { outDir: disk, format, maxChars: 150 }, { narrator });
        const bookId = submission.books[0]!.bookId;
        expect(statuses[0]!.state, where).toBe('failed');
        expect(statuses[0]!.reason, where).toContain(`no space left on the disk of ${disk}`);
        expect(statuses[0]!.reason, where).toContain(`narrate retry ${bookId}`);
        // Nothing half-written and no part kept: the disk is as empty as it was.
        const left = await filesUnder(disk);
        expect(left, `${where}: ${left.join(', ')}`).toEqual([]);
        // No chunk was narrated again, and every segment is kept.
        expect(calls, where).toBe(chunks);
        expect((await filesUnder(h.config.storeDir)).filter((f) => /^[0-9a-f]{2}\/[0-9a-f]{64}\.wav$/.test(f)), where).toHaveLength(chunks);

        // Room again: the book is retried and finished from its segments alone.
        await run('mount', ['-o', 'remount,size=64m', disk]);
        const outcome = await retryBook(h.connection, { prefix: h.config.prefix, retry: { attempts: h.config.maxAttempts, backoffMs: h.config.backoffMs }, store: openSegmentStore(h.config) }, bookId);
        expect(outcome.result, outcome.message).toBe('done');
        const [after] = await h.watch([bookId], { narrator });
        expect(after!.state, `${where}: ${after!.reason}`).toBe('done');
        expect(calls, where).toBe(chunks);
        const written = (await filesUnder(disk)).sort();
        expect(written, `${where}: ${written.join(', ')}`).toEqual([`harbour.chapters/01-one.${format}`, `harbour.chapters/02-two.${format}`, 'harbour.json', `harbour.${format}`].sort());
        await run('umount', ['-l', disk]);
        await rm(disk, { recursive: true, force: true });
        mounts.splice(mounts.indexOf(disk), 1);
      }
    }, 180_000);
  }
});
