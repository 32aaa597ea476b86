/** Section 4: one worker's peak memory while long segments (5 minutes each by default) are in flight. */
import { byteRate, BOOK_FORMAT } from '../src/audio/wav-format.js';
import { DEFAULT_CHARS_PER_SECOND } from '../src/verify/expected-duration.js';
import { removeDir, tempDir } from './cleanup.js';
import { startFakeModel } from './fake-model.js';
import type { BenchOptions } from './options.js';
import type { Report } from './report.js';
import { runFleet, type FleetResult } from './run-fleet.js';
import { fixed, mb, secs } from './stats.js';
import { writeSyntheticBook, type SyntheticBook } from './synthetic-book.js';

const TARGET_BYTES = 300 * 1024 * 1024;
/** Lower concurrencies measured too, so the report shows how peak memory grows per in-flight chunk. */
const SWEEP = [1, 4];
/** Rounds of chunks per sweep run: enough for the slots to refill a few times. */
const SWEEP_ROUNDS = 3;

export async function memorySection(o: BenchOptions, report: Report): Promise<void> {
  const S = '4 memory';
  // The worker rejects audio far from text length ÷ 15 chars/s (verify/expected-duration.ts, not configurable),
  // so long segments need long texts: the fake reads at the same 15 chars/s.
  const chars = Math.round(o.memSeconds * DEFAULT_CHARS_PER_SECOND);
  const pcmBytes = o.memSeconds * byteRate(BOOK_FORMAT);
  process.stdout.write(
    `\n[4] memory: 1 worker, concurrency ${o.memConcurrency}, ${o.memChunks} chunks of ${chars} chars = ${o.memSeconds} s of audio each ` +
      `(${mb(pcmBytes)} PCM, ~${mb((pcmBytes * 4) / 3)} base64 per response), latency ${o.memLatency} ms + up to ${o.memJitter} ms jitter\n`,
  );
  const dir = await tempDir('memory-book');
  try {
    const book = await writeSyntheticBook(dir, 'memory-book', o.memChunks, chars, 'memory');
    const r = await measure(o, book, o.memConcurrency);
    const peak = r.peakRss[0] ?? NaN;
    const enqueued = Math.min(...r.jobs.map((j) => j.timestamp));
    const done = Math.max(...r.jobs.map((j) => j.finishedOn));
    report.add({ section: S, metric: 'chunks narrated / time', value: `${r.jobs.length} / ${secs(done - enqueued)}` });
    report.add({ section: S, metric: 'worker CPU per chunk', value: `${fixed(r.workerCpuMs / r.jobs.length, 0)} ms` });
    report.add({ section: S, metric: `worker peak RSS (VmHWM), concurrency ${o.memConcurrency}, ${o.memSeconds} s segments`, value: mb(peak), target: '≤ 300 MB', ok: peak <= TARGET_BYTES });
    const m = r.memory[0];
    if (m) {
      const at = m.atPeakRss;
      report.add({
        section: S,
        metric: 'at the peak: V8 heap used / Buffers (arrayBuffers) / external',
        value: `${mb(at.heapUsed)} / ${mb(at.arrayBuffers)} / ${mb(at.external)} (of rss ${mb(at.rss)}, ${m.samples} samples every 20 ms)`,
      });
      report.add({ section: S, metric: 'separate peaks: heap used / heap total / arrayBuffers', value: `${mb(m.peak.heapUsed)} / ${mb(m.peak.heapTotal)} / ${mb(m.peak.arrayBuffers)}` });
    }
    report.add({ section: S, metric: 'worker exit code after SIGTERM', value: r.exitCodes.map(String).join(', '), target: '0', ok: r.exitCodes.every((c) => c === 0) });
    report.summary.push(`worker peak RSS ${mb(peak)}`);

    const points = [];
    for (const concurrency of SWEEP.filter((c) => c < o.memConcurrency)) {
      const count = Math.min(o.memChunks, concurrency * SWEEP_ROUNDS);
      const s = await measure(o, await writeSyntheticBook(dir, `memory-c${concurrency}`, count, chars, 'memory'), concurrency);
      points.push({ concurrency, peak: s.peakRss[0] ?? NaN });
    }
    if (points.length > 0) {
      points.push({ concurrency: o.memConcurrency, peak });
      const low = points[0]!;
      const slope = (peak - low.peak) / (o.memConcurrency - low.concurrency);
      report.add({
        section: S,
        metric: 'worker peak RSS by concurrency',
        value: `${points.map((p) => `${p.concurrency} → ${mb(p.peak)}`).join(', ')} (≈ ${mb(slope)} per extra in-flight chunk)`,
      });
    }
  } finally {
    await removeDir(dir);
  }
}

/** One worker at `concurrency` narrating `book` against a fresh fake, with the memory sampler preloaded. */
async function measure(o: BenchOptions, book: SyntheticBook, concurrency: number): Promise<FleetResult> {
  const fake = await startFakeModel({ latency: o.memLatency, jitter: o.memJitter, speech: 1 });
  try {
    const slowestRoundMs = o.memLatency + o.memJitter + 30_000;
    return await runFleet({
      name: `memory-c${concurrency}`,
      book,
      workers: 1,
      concurrency,
      fake,
      sampleMemory: true,
      timeoutMs: Math.ceil(book.texts.length / concurrency) * slowestRoundMs + 120_000,
    });
  } finally {
    await fake.stop();
  }
}

