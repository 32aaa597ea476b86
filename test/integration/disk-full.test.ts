/**
 * A disk that fills while a book is finished: the book fails saying so (and what to do), no partial
 * file is left behind, the narrated segments are kept, and once there is room a retry finishes the
 * book without one model call. The full disk is a real one: a small tmpfs mounted for the test,
 * which needs root (CI runs as root; elsewhere the test is skipped and says why).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineNarrator } from '../../src/providers/offline-narrator.js';
import type { Narrator } from '../../src/providers/narrator.js';
import { retryBook } from '../../src/queue/retry-book.js';
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

describe.skipIf(!root)('a disk that fills while a book is finished (needs root to mount a tmpfs)', () => {
  let h: Harness;
  let disk: string;
  beforeAll(async () => {
    h = await createHarness('disk-full', { NARRATE_PART_CHARS: '300' });
    disk = await mkdtemp(join(tmpdir(), 'narrate-full-disk-'));
    // 200 KB: room for a part or two of this book, not for the book.
    await run('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', disk]);
  });
  afterAll(async () => {
    await run('umount', ['-l', disk]).catch(() => undefined);
    await rm(disk, { recursive: true, force: true });
    await h?.close();
  });

  it('fails the book saying so, leaves no partial file, keeps the segments, and a retry finishes it with no model call', async () => {
    const book = join(h.dir, 'harbour.md');
    await writeFile(book, `# One\n\n${PROSE.join('\n\n')}\n\n# Two\n\n${[...PROSE].reverse().join('\n\n')}\n`);
    const offline = new OfflineNarrator(new FsSegmentStore(h.config.storeDir).spool());
    let calls = 0;
    const narrator: Narrator = { name: offline.name, model: offline.model, narrate: (request) => (calls++, offline.narrate(request)) };

    const { submission, statuses } = await h.narrate([book], { outDir: disk, format: 'wav', maxChars: 300 }, { narrator });
    const bookId = submission.books[0]!.bookId;
    expect(statuses[0]!.state).toBe('failed');
    expect(statuses[0]!.reason).toContain(`no space left on the disk of ${disk}`);
    expect(statuses[0]!.reason).toContain(`narrate retry ${bookId}`);
    // Nothing half-written and no part kept: the disk is as empty as it was.
    expect(await filesUnder(disk)).toEqual([]);
    // Every chunk was narrated once and its segment is kept.
    const chunks = submission.books[0]!.chunks;
    expect(calls).toBe(chunks);
    expect((await filesUnder(h.config.storeDir)).filter((f) => f.endsWith('.wav'))).toHaveLength(chunks);

    // Room again: the book is retried and finished from its segments alone.
    await run('mount', ['-o', 'remount,size=64m', disk]);
    const outcome = await retryBook(h.connection, { prefix: h.config.prefix, retry: { attempts: h.config.maxAttempts, backoffMs: h.config.backoffMs } }, bookId);
    expect(outcome.status, outcome.message).toBe(200);
    const [after] = await h.watch([bookId], { narrator });
    expect(after!.state, after!.reason).toBe('done');
    expect(calls).toBe(chunks);
    expect((await filesUnder(disk)).sort()).toEqual(['harbour.chapters/01-one.wav', 'harbour.chapters/02-two.wav', 'harbour.json', 'harbour.wav']);
  }, 120_000);
});
