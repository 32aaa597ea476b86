import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { silence } from '../audio/silence.js';
import { durationMs } from '../audio/wav-duration.js';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { writeWav } from '../audio/write-wav.js';
import type { FinalizeJobData, FinalizeResult, SynthesizeResult } from '../queue/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';
import { writeAtomically } from '../store/fs-segment-store.js';
import { bookReport } from './book-report.js';
import { concatAudio } from './ffmpeg.js';
import { concatListLine, ffmetadata } from './ffmetadata.js';
import { planTimeline } from './plan-timeline.js';

/** Bytes of the header writeWav puts on every stored segment. */
const STORED_HEADER_BYTES = 44;

/**
 * Segments → one audiobook: time the chapters from the stored segments, write a concat list and
 * an FFMETADATA1 file, run ffmpeg once into a temp name, rename it into place, then write the
 * manifest the same way. Temp files go on every exit path.
 */
export async function finalizeBook(book: FinalizeJobData, results: SynthesizeResult[], store: SegmentStore, signal?: AbortSignal): Promise<FinalizeResult> {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const missing = book.chunks.filter((c) => !byIndex.has(c.index)).map((c) => c.index);
  if (missing.length > 0) throw new Error(`book ${book.bookId}: no result for chunk(s) ${missing.slice(0, 10).join(', ')}`);

  // Durations come from the files themselves, not from what a job said: the audio is the truth.
  const probe = pLimit(16);
  const durations = await Promise.all(
    book.chunks.map((c) =>
      probe(async () => {
        const path = store.audioPath(byIndex.get(c.index)!.key);
        const size = await stat(path).then((s) => s.size, () => {
          throw new Error(`segment of chunk ${c.index} is missing from the store (${path})`);
        });
        return durationMs(BOOK_FORMAT, size - STORED_HEADER_BYTES);
      }),
    ),
  );
  const timeline = planTimeline(book.chapters, book.chunks.map((c, i) => ({ ...c, durationMs: durations[i]! })));

  await mkdir(book.outDir, { recursive: true });
  const output = join(book.outDir, `${book.slug}.${book.format}`);
  const manifestPath = join(book.outDir, `${book.slug}.json`);
  const work = await mkdtemp(join(tmpdir(), 'narrate-finalize-'));
  const partial = join(book.outDir, `.${book.slug}.${process.pid}.${Date.now()}.partial`);
  try {
    const silences = new Map<number, string>();
    const lines: string[] = [];
    for (const entry of timeline.entries) {
      if (entry.kind === 'segment') {
        lines.push(concatListLine(store.audioPath(byIndex.get(entry.index)!.key)));
        continue;
      }
      let file = silences.get(entry.ms);
      if (!file) {
        file = join(work, `silence-${entry.ms}.wav`);
        await writeFile(file, writeWav(BOOK_FORMAT, silence(BOOK_FORMAT, entry.ms)));
        silences.set(entry.ms, file);
      }
      lines.push(concatListLine(file));
    }
    const listFile = join(work, 'list.txt');
    const metadataFile = join(work, 'metadata.txt');
    await writeFile(listFile, `${lines.join('\n')}\n`);
    await writeFile(metadataFile, ffmetadata({ title: book.title, album: book.title, artist: book.author, album_artist: book.author, genre: 'Audiobook' }, timeline.chapters));
    await concatAudio({ listFile, metadataFile, output: partial, format: book.format, ...(signal ? { signal } : {}) });
    await rename(partial, output);
    const report = bookReport(book, results, timeline, output);
    await writeAtomically(manifestPath, `${JSON.stringify(report, null, 2)}\n`);
    return { output, manifest: manifestPath, durationMs: report.durationMs };
  } finally {
    await rm(partial, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}
