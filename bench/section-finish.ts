/**
 * Section 6: a finished book moments after its last chunk. Real books from ../shared/corpus are
 * narrated by the fleet (W workers) against a fake model that answers with real speech (the offline
 * voice's sentences: encoders run several times faster on tones) after a latency that makes the
 * narration take minutes, as a real provider does. Measured per book:
 * - ready after the last chunk: the finalize job's end − the last synthesize job's end (BullMQ's
 *   own timestamps), the book published with its manifest;
 * - against the one-shot encode of the same stored segments (what narrate did before parts), timed
 *   in the same run, in a fresh process;
 * and on the first book, the finishing CPU per hour of audio per codec (every part encoded and
 * measured, chapter files and the book assembled: one process under GNU time, ffmpeg included), and
 * what mastering adds to it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { partJobId } from '../src/queue/build-flow.js';
import type { FinalizeJobData, PartJobData, PartResult } from '../src/contracts/job-data.js';
import { CORPUS } from '../test/helpers/corpus.js';
import { removeDir, tempDir } from './cleanup.js';
import { startFakeModel } from './fake-model.js';
import type { NarratedBook } from './finish-child.js';
import type { BenchOptions } from './options.js';
import { firstLine, run, start, waitExit } from './processes.js';
import type { Report } from './report.js';
import { runFleet, type FleetRunContext } from './run-fleet.js';
import { fixed, secs } from './stats.js';

const GNU_TIME = '/usr/bin/time';

/** A corpus book and the speech rate the fake reads it at (characters a second), which sets its length. */
interface FinishBook {
  file: string;
  charsPerSecond: number;
  /** Ready-after-last-chunk target, in seconds, by the book's hours. */
  target: number;
}

/** `alice.txt:20` → alice.txt at 20 characters a second. */
export function parseFinishBooks(spec: string): { file: string; charsPerSecond: number }[] {
  return spec.split(',').map((item) => {
    const [file, cps] = item.split(':');
    const charsPerSecond = Number(cps ?? 15);
    if (!file || !(charsPerSecond > 0)) throw new Error(`Expected \`--finish-books\` as file:charsPerSecond,..., got \`${spec}\``);
    return { file, charsPerSecond };
  });
}

/** The targets: ≤ 15 s for a book of about 2 h, ≤ 20 s for one of about 10 h (in between, by length). */
function targetFor(hours: number): number {
  return hours <= 2.5 ? 15 : 20;
}

export async function finishSection(o: BenchOptions, report: Report): Promise<void> {
  const S = '6 finish';
  const books = parseFinishBooks(o.finishBooks);
  process.stdout.write(
    `\n[6] finish: corpus books narrated by ${o.workers} workers × concurrency ${o.finishConcurrency}, fake model answering with real speech after ${o.finishLatency}±${o.finishJitter / 2} ms; m4b, loudness audiobook\n`,
  );
  let codecBook: { job: string; store: string; hours: number } | undefined;
  const dir = await tempDir('finish');
  try {
    for (const [i, spec] of books.entries()) {
      const path = join(CORPUS, spec.file);
      if (!existsSync(path)) throw new Error(`${path} not found (../shared/corpus beside the repository)`);
      const fake = await startFakeModel({ latency: o.finishLatency - o.finishJitter / 2, jitter: o.finishJitter, speech: 1, cps: spec.charsPerSecond });
      try {
        let oneShot: { seconds: number; audioSeconds: number } | undefined;
        let parts: { total: number; afterLastChunk: number; lastChunk: number } | undefined;
        const keep = i === 0 ? join(dir, 'codec-book') : undefined;
        const r = await runFleet({
          name: `finish-${i}`,
          book: { path, maxChars: 1200 },
          format: 'm4b',
          workers: o.workers,
          concurrency: o.finishConcurrency,
          fake,
          timeoutMs: o.timeout * 1000,
          afterBook: async (ctx) => {
            const saved = await savedBook(ctx);
            const job = join(ctx.dir, 'book.json');
            await writeFile(job, JSON.stringify(saved));
            const store = ctx.env.NARRATE_STORE_DIR!;
            const lastChunk = Math.max(...(await ctx.queues.synthesize.getJobs(['completed'], 0, -1)).map((j) => j.finishedOn ?? 0));
            const encodes = await Promise.all(saved.parts.map((p) => ctx.queues.encode.getJob(partJobId(ctx.bookId, p.data.part))));
            parts = { total: encodes.length, afterLastChunk: encodes.filter((e) => (e?.finishedOn ?? Infinity) > lastChunk).length, lastChunk };
            // BENCH_KEEP=<dir>: keep the run's segments, saved jobs and book there, to look into.
            if (process.env.BENCH_KEEP) await run('cp', ['-r', ctx.dir, join(process.env.BENCH_KEEP, `finish-${i}`)], 600_000);
            oneShot = await timeFinish(ctx.dir, job, store, 'one-shot', 'm4b', 'audiobook');
            // The first book's segments are kept for the per-codec measurements below.
            if (keep) {
              await mkdir(keep, { recursive: true });
              await run('cp', ['-r', store, join(keep, 'segments')], 600_000);
              await writeFile(join(keep, 'book.json'), JSON.stringify(saved));
            }
          },
        });
        const lastChunk = Math.max(...r.jobs.map((j) => j.finishedOn));
        const firstCall = Math.min(...r.jobs.map((j) => j.timestamp));
        const ready = (r.bookFinishedAt - lastChunk) / 1000;
        const hours = (oneShot?.audioSeconds ?? NaN) / 3600;
        const target = targetFor(hours);
        const name = `${spec.file} (${fixed(hours, 1)} h, ${r.jobs.length} chunks)`;
        report.add({ section: S, metric: `${name}: narration, enqueue → last chunk`, value: secs(lastChunk - firstCall) });
        report.add({ section: S, metric: `${name}: parts encoded after the last chunk`, value: parts ? `${parts.afterLastChunk} of ${parts.total}` : 'n/a' });
        report.add({ section: S, metric: `${name}: book ready after the last chunk (parts, m4b)`, value: `${fixed(ready, 1)} s`, target: `≤ ${target} s`, ok: ready <= target });
        if (oneShot) {
          report.add({ section: S, metric: `${name}: one-shot encode of the same segments after the last chunk`, value: `${fixed(oneShot.seconds, 1)} s (${fixed(oneShot.seconds / ready, 1)}× the parts' wait)` });
        }
        report.add({ section: S, metric: `${name}: worker CPU (ffmpeg included), submit → book, per hour of audio`, value: `${fixed(r.workerCpuWithChildrenMs / 1000 / hours, 0)} s` });
        report.summary.push(`${spec.file} ready ${fixed(ready, 1)}s after last chunk`);
        if (keep && oneShot) codecBook = { job: join(keep, 'book.json'), store: join(keep, 'segments'), hours };
      } finally {
        await fake.stop();
      }
    }
    if (codecBook) await codecCosts(o, report, S, dir, codecBook);
  } finally {
    await removeDir(dir);
  }
}

/** The finalize job's data and every part's data and result, read back from Redis. */
async function savedBook(ctx: FleetRunContext): Promise<NarratedBook> {
  const finalize = await ctx.queues.finalize.getJob(ctx.bookId);
  if (!finalize) throw new Error(`no finalize job for ${ctx.bookId}`);
  const data = finalize.data as FinalizeJobData;
  const parts = await Promise.all(
    data.parts.map(async (p) => {
      const job = await ctx.queues.encode.getJob(partJobId(ctx.bookId, p.part));
      if (!job?.returnvalue) throw new Error(`part ${p.part} of ${ctx.bookId} has no result`);
      return { data: job.data as PartJobData, result: job.returnvalue as PartResult };
    }),
  );
  return { finalize: data, parts };
}

/** Finishing CPU per hour of audio for each codec, and mastering's share, on the first book's segments. */
async function codecCosts(o: BenchOptions, report: Report, S: string, dir: string, book: { job: string; store: string; hours: number }): Promise<void> {
  process.stdout.write(`  finishing cost per codec, every part then the book, one process (GNU time: CPU with ffmpeg's):\n`);
  const runs: { label: string; format: string; loudness: string }[] = [
    { label: 'm4b', format: 'm4b', loudness: 'audiobook' },
    { label: 'm4b, loudness off', format: 'm4b', loudness: 'off' },
    { label: 'mp3', format: 'mp3', loudness: 'audiobook' },
    { label: 'mp3 (acx)', format: 'mp3', loudness: 'acx' },
    { label: 'opus', format: 'opus', loudness: 'audiobook' },
    { label: 'flac', format: 'flac', loudness: 'audiobook' },
    { label: 'wav', format: 'wav', loudness: 'audiobook' },
  ];
  const measured = new Map<string, { cpu: number; seconds: number }>();
  for (const r of runs) {
    const m = await timeFinish(dir, book.job, book.store, 'parts', r.format, r.loudness);
    measured.set(r.label, { cpu: m.cpuSeconds, seconds: m.seconds });
    report.add({ section: S, metric: `finishing CPU per hour of audio: ${r.label}`, value: `${fixed(m.cpuSeconds / book.hours, 1)} s (${fixed((book.hours * 3600) / m.cpuSeconds, 0)}× real time on one core)` });
  }
  const on = measured.get('m4b')!;
  const off = measured.get('m4b, loudness off')!;
  const share = on.seconds / off.seconds - 1;
  report.add({ section: S, metric: 'mastering: finishing time with audiobook ÷ with loudness off (m4b), − 1', value: `${fixed(share * 100, 1)}% (CPU ${fixed((on.cpu / off.cpu - 1) * 100, 1)}%)`, target: '≤ 10%', ok: share <= 0.1 });
}

/** One finish-child run under GNU time: its wall time and its CPU (user + system, ffmpeg included). */
async function timeFinish(dir: string, job: string, store: string, mode: 'one-shot' | 'parts', format: string, loudness: string): Promise<{ seconds: number; audioSeconds: number; cpuSeconds: number }> {
  const out = join(dir, `finish-${mode}-${format}-${loudness}`);
  await mkdir(out, { recursive: true });
  const timeFile = join(dir, 'time.txt');
  await rm(timeFile, { force: true });
  const args = ['--import', 'tsx', 'bench/finish-child.ts', '--job', job, '--store', store, '--out', out, '--mode', mode, '--format', format, '--loudness', loudness];
  // GNU time is node's parent, so its user and system times include ffmpeg's (node waits for it).
  const timed = existsSync(GNU_TIME) ? start(GNU_TIME, ['-f', '%U %S', '-o', timeFile, process.execPath, ...args]) : start(process.execPath, args);
  const line = await firstLine(timed, 3_600_000, `finish-child ${mode} ${format}`);
  await waitExit(timed, 30_000);
  const r = JSON.parse(line) as { seconds: number; audioSeconds: number };
  const cpu = await readFile(timeFile, 'utf8').then(
    (t) => t.trim().split(/\s+/).slice(-2).map(Number).reduce((a, b) => a + b, 0),
    () => NaN,
  );
  await rm(out, { recursive: true, force: true });
  return { ...r, cpuSeconds: cpu };
}
