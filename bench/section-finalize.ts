/** Section 5: finalizeBook to WAV (a PCM copy; ffmpeg only for m4b) against plain `cat` of the same segments, and its memory. */
import { existsSync, openSync, closeSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDir, tempDir } from './cleanup.js';
import type { BenchOptions } from './options.js';
import { firstLine, run, start, startTs, waitExit } from './processes.js';
import type { Report } from './report.js';
import { writeSegments } from './segment-fixture.js';
import { fixed, mb } from './stats.js';

const GNU_TIME = '/usr/bin/time';
/** A chapter per hour of audio, as a long book might have. */
const CHAPTER_SECONDS = 3600;

interface Timed {
  seconds: number;
  bytes: number;
}

interface FinalizeRun extends Timed {
  nodePeakRss: number;
  ffmpegPeakRss: number;
  /** Wall time of the ffmpeg process alone (GNU time's %e). */
  ffmpegSeconds: number;
}

/**
 * `times` timed runs. Each starts with `sync` so that no run pays for the writeback of the one
 * before (the page cache holds gigabytes here); the report uses the fastest (page-cache noise).
 */
async function repeat<T extends Timed>(times: number, once: () => Promise<T>): Promise<T[]> {
  const runs: T[] = [];
  for (let i = 0; i < times; i++) {
    await run('sync', [], 120_000);
    runs.push(await once());
  }
  return runs;
}

const fastest = <T extends Timed>(runs: T[]): T => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));

export async function finalizeSection(o: BenchOptions, report: Report): Promise<void> {
  const S = '5 finalize';
  const counts = o.finalizeHours.map((h) => Math.max(1, Math.round((h * 3600) / o.segmentSeconds)));
  const m4bCount = Math.max(1, Math.round((o.m4bHours * 3600) / o.segmentSeconds));
  const most = Math.max(...counts, m4bCount);
  process.stdout.write(`\n[5] finalize (best of ${o.finalizeRepeats}): ${most} segments of ${o.segmentSeconds} s (24 kHz mono 16-bit), books of ${o.finalizeHours.join(' h, ')} h to WAV vs cat; ${o.m4bHours} h to m4b\n`);
  const dir = await tempDir('finalize');
  try {
    const store = join(dir, 'segments');
    const paths = await writeSegments(store, most, o.segmentSeconds);
    const wrapper = await ffmpegWrapper(dir);
    if (!wrapper) report.note(`${GNU_TIME} not found: ffmpeg's peak RSS is not measured.`);
    const perChapter = Math.max(1, Math.round(CHAPTER_SECONDS / o.segmentSeconds));
    let largest = { hours: 0, ratio: NaN };
    const rss: { hours: number; node: number; ffmpeg: number }[] = [];
    for (const [i, count] of counts.entries()) {
      const hours = o.finalizeHours[i]!;
      const cat = fastest(await repeat(o.finalizeRepeats, () => timeCat(paths.slice(0, count), join(dir, 'cat.wav'))));
      const fins = await repeat(o.finalizeRepeats, () => timeFinalize(store, count, o.segmentSeconds, perChapter, 'wav', join(dir, 'out'), wrapper));
      // Peak memory is the largest any run reached, not the fastest run's.
      const fin = { ...fastest(fins), nodePeakRss: Math.max(...fins.map((f) => f.nodePeakRss)), ffmpegPeakRss: Math.max(...fins.map((f) => f.ffmpegPeakRss)) };
      const ratio = fin.seconds / cat.seconds;
      report.add({ section: S, metric: `${hours} h: cat (${count} files, ${mb(cat.bytes)})`, value: `${fixed(cat.seconds)} s` });
      report.add({ section: S, metric: `${hours} h: finalizeBook to wav (${mb(fin.bytes)} with pauses)`, value: `${fixed(fin.seconds)} s, of which ffmpeg ${fixed(fin.ffmpegSeconds)} s` });
      report.add({ section: S, metric: `${hours} h: finalize ÷ cat`, value: `${fixed(ratio, 1)}×`, target: '≤ 3×', ok: ratio <= 3 });
      report.add({ section: S, metric: `${hours} h: peak RSS node (finalize process) / ffmpeg`, value: `${mb(fin.nodePeakRss)} / ${mb(fin.ffmpegPeakRss)}` });
      rss.push({ hours, node: fin.nodePeakRss, ffmpeg: fin.ffmpegPeakRss });
      if (hours >= largest.hours) largest = { hours, ratio };
    }
    const small = rss[0];
    const big = rss.at(-1);
    if (small && big && big !== small) {
      // WAV books are joined without ffmpeg (no ffmpeg RSS to compare): judge what actually ran.
      const ratios = [big.node / small.node, big.ffmpeg / small.ffmpeg].filter((r) => Number.isFinite(r));
      const growth = Math.max(...ratios);
      report.add({
        section: S,
        metric: `peak RSS ${big.hours} h ÷ ${small.hours} h (node, ffmpeg)`,
        value: `${fixed(big.node / small.node)}, ${fixed(big.ffmpeg / small.ffmpeg)}`,
        target: 'flat (≤ 1.25)',
        ok: growth <= 1.25,
      });
    }
    await run('sync', [], 120_000);
    const m4b = await timeFinalize(store, m4bCount, o.segmentSeconds, perChapter, 'm4b', join(dir, 'out'), wrapper);
    const audioSeconds = m4bCount * o.segmentSeconds;
    report.add({ section: S, metric: `${o.m4bHours} h: finalizeBook to m4b (AAC 64k, ${mb(m4b.bytes)})`, value: `${fixed(m4b.seconds)} s = ${fixed(audioSeconds / m4b.seconds, 0)}× real time; peak RSS node ${mb(m4b.nodePeakRss)}, ffmpeg ${mb(m4b.ffmpegPeakRss)}` });
    report.summary.push(`finalize ${largest.hours}h wav ${fixed(largest.ratio, 1)}x cat`);
  } finally {
    await removeDir(dir);
  }
}

/** `cat a b c > out`, timed from spawn to exit; the output is deleted afterwards. */
async function timeCat(paths: string[], out: string): Promise<Timed> {
  const fd = openSync(out, 'w');
  const started = process.hrtime.bigint();
  try {
    const child = start('cat', paths, { stdio: ['ignore', fd, 'pipe'] });
    const code = await waitExit(child, 600_000);
    if (code !== 0) throw new Error(`cat exited with ${String(code)}`);
  } finally {
    closeSync(fd);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = (await stat(out)).size;
  await rm(out, { force: true });
  return { seconds, bytes };
}

/** finalizeBook in a fresh process (bench/finalize-child.ts); its output dir is emptied afterwards. */
async function timeFinalize(
  store: string,
  count: number,
  segmentSeconds: number,
  perChapter: number,
  format: 'wav' | 'm4b',
  out: string,
  wrapper: { path: string; rssFile: string } | undefined,
): Promise<FinalizeRun> {
  await mkdir(out, { recursive: true });
  const env = { ...process.env, ...(wrapper ? { FFMPEG_PATH: wrapper.path, BENCH_FFMPEG_RSS_FILE: wrapper.rssFile } : {}) };
  if (wrapper) await rm(wrapper.rssFile, { force: true });
  const args = ['--store', store, '--segments', String(count), '--seconds', String(segmentSeconds), '--per-chapter', String(perChapter), '--format', format, '--out', out];
  const child = startTs('bench/finalize-child.ts', args, { env });
  const line = await firstLine(child, 900_000, `finalize of ${count} segments to ${format}`);
  await waitExit(child, 10_000);
  const r = JSON.parse(line) as { seconds: number; nodePeakRss: number; outputBytes: number };
  await rm(out, { recursive: true, force: true });
  const ffmpeg = wrapper ? await readGnuTime(wrapper.rssFile) : { maxRssKb: NaN, seconds: NaN };
  return { seconds: r.seconds, bytes: r.outputBytes, nodePeakRss: r.nodePeakRss, ffmpegPeakRss: ffmpeg.maxRssKb * 1024, ffmpegSeconds: ffmpeg.seconds };
}

/**
 * fluent-ffmpeg runs $FFMPEG_PATH when set: point it at a script that runs the real ffmpeg under
 * GNU time, which appends the maximum resident set (KB) of each run to a file.
 */
async function ffmpegWrapper(dir: string): Promise<{ path: string; rssFile: string } | undefined> {
  if (!existsSync(GNU_TIME)) return undefined;
  const which = await run('sh', ['-c', 'command -v ffmpeg'], 10_000);
  const ffmpeg = which.stdout.trim();
  if (which.code !== 0 || ffmpeg === '') throw new Error('ffmpeg not found on PATH');
  const path = join(dir, 'ffmpeg-under-time.sh');
  await writeFile(path, `#!/bin/sh\nexec ${GNU_TIME} -f '%M %e' -a -o "$BENCH_FFMPEG_RSS_FILE" '${ffmpeg}' "$@"\n`);
  await chmod(path, 0o755);
  return { path, rssFile: join(dir, 'ffmpeg-rss.txt') };
}

/** GNU time's lines ("<max RSS KB> <elapsed s>", one per ffmpeg run): the largest RSS and the total time. */
async function readGnuTime(file: string): Promise<{ maxRssKb: number; seconds: number }> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const runs = text
    .split('\n')
    .map((line) => /^(\d+) ([\d.]+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ kb: Number(m[1]), s: Number(m[2]) }));
  if (runs.length === 0) return { maxRssKb: NaN, seconds: NaN };
  return { maxRssKb: Math.max(...runs.map((r) => r.kb)), seconds: runs.reduce((sum, r) => sum + r.s, 0) };
}
