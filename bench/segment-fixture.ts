/** Stored segments and the finalize job that joins them, made without a model: input for the finalizer bench. */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tone } from '../src/audio/tone.js';
import { BOOK_FORMAT } from '../src/audio/wav-format.js';
import { writeWav } from '../src/audio/write-wav.js';
import { planParts } from '../src/finalizer/plan-parts.js';
import type { FinalizeJobData, OutputFormat, SynthesizeResult } from '../src/contracts/job-data.js';
import { FsSegmentStore } from '../src/store/fs-segment-store.js';
import { appendMetaSync } from '../src/store/segment-file.js';
import type { SegmentMeta } from '../src/store/stored-segment.js';

/** A stable fake content key for segment `i` (64 hex digits, like segmentKey's sha256). */
export function fixtureKey(i: number): string {
  return createHash('sha256').update(`narrate-bench-segment-${i}`).digest('hex');
}

/**
 * Writes `count` segments of `seconds` each into an FsSegmentStore layout and returns their paths
 * in order. One tone is computed and written `count` times: ffmpeg's copy and cat do not look at samples.
 * (`cat` of these files also copies each segment's small metadata chunk: under 1 KB a segment.)
 */
export async function writeSegments(storeDir: string, count: number, seconds: number): Promise<string[]> {
  const store = new FsSegmentStore(storeDir);
  const wav = writeWav(BOOK_FORMAT, tone(BOOK_FORMAT, seconds * 1000, 440));
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = fixtureKey(i);
    const path = store.audioPath(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, wav);
    appendMetaSync(path, fixtureMeta(key, seconds));
    paths.push(path);
  }
  return paths;
}

function fixtureMeta(key: string, seconds: number): SegmentMeta {
  return {
    key,
    provider: 'bench',
    model: 'bench',
    voice: 'alloy',
    durationMs: seconds * 1000,
    transcript: '',
    similarity: 1,
    calls: 1,
    rejections: [],
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    createdAt: new Date().toISOString(),
  };
}

/** The finalize job data and chunk results for the first `count` segments: one chapter per `perChapter` segments. */
export function fixtureBook(count: number, seconds: number, perChapter: number, format: OutputFormat, outDir: string): { book: FinalizeJobData; results: SynthesizeResult[] } {
  const chunks = Array.from({ length: count }, (_, index) => {
    const chapter = Math.floor(index / perChapter);
    // As splitChunks does: a chapter's last chunk gets the chapter pause, the others a paragraph pause.
    const lastOfChapter = index === count - 1 || Math.floor((index + 1) / perChapter) !== chapter;
    return { index, chapter, pauseAfter: lastOfChapter ? ('chapter' as const) : ('paragraph' as const) };
  });
  const chapterCount = Math.ceil(count / perChapter);
  const results: SynthesizeResult[] = chunks.map(({ index }) => ({
    index,
    key: fixtureKey(index),
    provider: 'bench',
    model: 'bench',
    durationMs: seconds * 1000,
    chars: Math.round(seconds * 15),
    cached: false,
    calls: 1,
    similarity: 1,
    rejections: [],
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
  }));
  const book: FinalizeJobData = {
    bookId: `bench-${count}`,
    title: `Bench book of ${count} segments`,
    author: 'narrate bench',
    voice: 'alloy',
    format,
    outDir,
    slug: `bench-${count}`,
    chapters: Array.from({ length: chapterCount }, (_, i) => ({ title: `Chapter ${i + 1}` })),
    chunks,
    parts: planParts(chunks.map((c) => ({ ...c, text: 'x'.repeat(Math.round(seconds * 15)) }))),
    sources: [],
    submittedAt: new Date().toISOString(),
  };
  return { book, results };
}
