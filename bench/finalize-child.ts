/**
 * Runs finalizeBook once in a fresh process, so its peak RSS belongs to this book alone (the bench
 * process has held other sections' data). Prints one JSON line: { seconds, nodePeakRss, outputBytes }.
 *   node --import tsx bench/finalize-child.ts --store DIR --segments N --seconds S --per-chapter K --format wav --out DIR
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { finalizeBook } from './one-pass-finalize.js';
import type { OutputFormat } from '../src/contracts/job-data.js';
import { FsSegmentStore } from '../src/store/fs-segment-store.js';
import { fixtureBook } from './segment-fixture.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    segments: { type: 'string' },
    seconds: { type: 'string' },
    'per-chapter': { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  },
});
const count = Number(values.segments);
const seconds = Number(values.seconds);
const perChapter = Number(values['per-chapter']);
const format = values.format as OutputFormat;
if (!values.store || !values.out || !(count > 0) || !(seconds > 0) || !(perChapter > 0) || !['wav', 'm4b', 'mp3'].includes(format)) {
  process.stderr.write('finalize-child: --store, --segments, --seconds, --per-chapter, --format and --out are required\n');
  process.exit(2);
}

const { book, results } = fixtureBook(count, seconds, perChapter, format, values.out);
const started = process.hrtime.bigint();
const result = await finalizeBook(book, results, new FsSegmentStore(values.store));
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
const outputBytes = (await stat(result.output)).size;
process.stdout.write(`${JSON.stringify({ seconds: elapsed, nodePeakRss: process.resourceUsage().maxRSS * 1024, outputBytes })}\n`);
