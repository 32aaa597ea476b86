/** Section 3: a provider limit of R requests/min and a fleet told NARRATE_RPM=R. */
import { removeDir, tempDir } from './cleanup.js';
import { startFakeModel } from './fake-model.js';
import type { BenchOptions } from './options.js';
import type { Report } from './report.js';
import { runFleet } from './run-fleet.js';
import { fixed, pct, secs } from './stats.js';
import { writeSyntheticBook } from './synthetic-book.js';

/** The fake (like the real provider) counts requests over a sliding window of this length. */
const PROVIDER_WINDOW_MS = 60_000;
/** A run shorter than the window is measured over windows of this share of it. */
const WINDOW_SHARE_OF_SHORT_RUN = 0.8;
/** Window starts per window length: fine enough to catch the busiest placement to within a burst. */
const WINDOW_STEPS = 200;

export async function rateSection(o: BenchOptions, report: Report): Promise<void> {
  const S = '3 rate limit';
  const expectedMs = (o.rateChunks / o.rpm) * 60_000;
  process.stdout.write(`\n[3] rate limit: provider and NARRATE_RPM both ${o.rpm}/min, ${o.rateChunks} chunks (≈ ${secs(expectedMs)} at the limit), ${o.workers} workers × ${o.concurrency}, latency ${o.latency} ms\n`);
  const dir = await tempDir('rate-book');
  const fake = await startFakeModel({ latency: o.latency, jitter: 0, rpm: o.rpm, speech: 1 });
  try {
    const book = await writeSyntheticBook(dir, 'rate-book', o.rateChunks, o.chunkChars, 'rate');
    const r = await runFleet({ name: 'rate', book, workers: o.workers, concurrency: o.concurrency, fake, rpm: o.rpm, timeoutMs: 5 * expectedMs + 120_000 });
    const starts = r.jobs.map((j) => j.processedOn).sort((a, b) => a - b);
    const spanMs = starts.at(-1)! - starts[0]!;
    // The provider's own yardstick: calls in a sliding window (60 s, or most of a shorter run).
    const windowMs = Math.min(PROVIDER_WINDOW_MS, spanMs * WINDOW_SHARE_OF_SHORT_RUN);
    const rates = slidingRates(starts, windowMs);
    const meanRpm = rates.reduce((a, b) => a + b, 0) / rates.length;
    const maxRpm = Math.max(...rates);
    const stats = await fake.stats();
    const limited = stats.byOutcome['rate-limited'] ?? 0;
    const share = limited / stats.calls;
    report.add({ section: S, metric: 'run time (first → last call)', value: secs(spanMs) });
    report.add({
      section: S,
      metric: `achieved rpm, mean over ${secs(windowMs)} windows`,
      value: `${fixed(meanRpm, 0)}/min = ${pct(meanRpm / o.rpm)} of ${o.rpm}`,
      target: '≥ 90% of the limit',
      ok: meanRpm / o.rpm >= 0.9,
    });
    report.add({ section: S, metric: `busiest ${secs(windowMs)} window`, value: `${fixed(maxRpm, 0)}/min = ${pct(maxRpm / o.rpm)}` });
    report.add({ section: S, metric: 'calls answered 429', value: `${limited} of ${stats.calls} = ${pct(share, 2)}`, target: '< 1%', ok: share < 0.01 });
    report.add({ section: S, metric: 'worker exit codes after SIGTERM', value: r.exitCodes.map(String).join(', '), target: 'all 0', ok: r.exitCodes.every((c) => c === 0) });
    if (spanMs < PROVIDER_WINDOW_MS && o.rateChunks <= o.rpm) {
      report.note(`rate run lasted ${secs(spanMs)}, less than the fake's 60 s window: its ${o.rateChunks} calls fit in one window of ${o.rpm}, so the fake cannot answer 429; run more chunks to test the limiter against the provider.`);
    }
    report.summary.push(`rpm ${pct(meanRpm / o.rpm, 0)} of limit with ${pct(share, 1)} 429`);
  } finally {
    await fake.stop();
    await removeDir(dir);
  }
}

/**
 * Calls per minute in windows [s, s + windowMs) whose starts s step evenly from the first call to
 * the last window that ends inside the run. The limiter releases calls in bursts (rpm/60 at a
 * time), so windows that all start at a call, or a first-to-last span, would be off by up to one
 * burst; evenly placed windows average that out.
 */
function slidingRates(sortedStarts: number[], windowMs: number): number[] {
  const first = sortedStarts[0]!;
  const last = sortedStarts.at(-1)!;
  const step = Math.max(1, windowMs / WINDOW_STEPS);
  const rates: number[] = [];
  let lo = 0;
  let hi = 0;
  for (let s = first; s + windowMs <= last; s += step) {
    while (lo < sortedStarts.length && sortedStarts[lo]! < s) lo++;
    while (hi < sortedStarts.length && sortedStarts[hi]! < s + windowMs) hi++;
    rates.push(((hi - lo) / windowMs) * 60_000);
  }
  return rates;
}
