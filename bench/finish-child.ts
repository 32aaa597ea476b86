/**
 * Finishes a book the fleet narrated, again, from its stored segments, in a fresh process so that
 * GNU time around it counts its CPU and its ffmpeg children's alone:
 *   --mode one-shot  one ffmpeg encode of the whole book after the last chunk (what narrate did before
 *                    parts): finalizeBook, with the same encoder, mastering gains and limiter;
 *   --mode parts     every part encoded (and measured) one after the other, then the book assembled
 *                    from them: the whole finishing work of the parts pipeline, on one core.
 * Prints one JSON line: { seconds, partsSeconds?, lastPartSeconds?, assembleSeconds?, audioSeconds }.
 *   node --import tsx bench/finish-child.ts --job job.json --store DIR --out DIR --mode parts --format m4b --loudness audiobook
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BOOK_FORMAT } from '../src/audio/wav-format.js';
import { encodePart } from '../src/finalizer/encode-part.js';
import { finalizeFromParts } from '../src/finalizer/finalize-book.js';
import { finalizeBook } from './one-pass-finalize.js';
import type { LoudnessPresetName } from '../src/contracts/loudness-preset-name.js';
import type { FinalizeJobData, OutputFormat, PartJobData, PartResult } from '../src/contracts/job-data.js';
import { FsSegmentStore } from '../src/store/fs-segment-store.js';

/** What the bench saves of a narrated book: its finalize job's data and each part's job data and result. */
export interface NarratedBook {
  finalize: FinalizeJobData;
  parts: { data: PartJobData; result: PartResult }[];
}

const { values } = parseArgs({
  options: {
    job: { type: 'string' },
    store: { type: 'string' },
    out: { type: 'string' },
    mode: { type: 'string' },
    format: { type: 'string' },
    loudness: { type: 'string' },
  },
});
if (!values.job || !values.store || !values.out || !['one-shot', 'parts'].includes(values.mode ?? '') || !values.format || !values.loudness) {
  process.stderr.write('finish-child: --job, --store, --out, --mode one-shot|parts, --format and --loudness are required\n');
  process.exit(2);
}

const saved = JSON.parse(await readFile(values.job, 'utf8')) as NarratedBook;
const format = values.format as OutputFormat;
const finish = { ...(saved.finalize.finish ?? { narrator: saved.finalize.voice, credits: false, split: false }), loudness: values.loudness as LoudnessPresetName };
const book: FinalizeJobData = { ...saved.finalize, format, outDir: values.out, finish };
const store = new FsSegmentStore(values.store);
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

const started = process.hrtime.bigint();
if (values.mode === 'one-shot') {
  const result = await finalizeBook(book, saved.parts.flatMap((p) => p.result.chunks), store);
  process.stdout.write(`${JSON.stringify({ seconds: seconds(started), audioSeconds: result.durationMs / 1000 })}\n`);
} else {
  const results: PartResult[] = [];
  let lastPartSeconds = 0;
  for (const { data, result } of saved.parts) {
    const from = process.hrtime.bigint();
    const { parts: _p, chunks: _c, chapters: _ch, sources: _s, ...settings } = book;
    results.push(await encodePart({ ...data, book: { ...data.book, ...settings } }, result.chunks, store));
    lastPartSeconds = seconds(from);
  }
  const partsSeconds = seconds(started);
  const from = process.hrtime.bigint();
  const done = await finalizeFromParts(book, results, store);
  const assembleSeconds = seconds(from);
  const audioSeconds = results.reduce((n, r) => n + r.samples, 0) / BOOK_FORMAT.sampleRate;
  process.stdout.write(`${JSON.stringify({ seconds: seconds(started), partsSeconds, lastPartSeconds, assembleSeconds, audioSeconds, durationMs: done.durationMs })}\n`);
}
