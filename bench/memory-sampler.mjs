// Preloaded into a worker (`node --import ./bench/memory-sampler.mjs bin/narrate.js worker`) to say
// where its peak memory sits: V8 heap (strings, JSON) or outside it (Buffers). Plain JS because the
// worker runs compiled code without tsx. Writes one JSON object to $BENCH_MEMORY_FILE at exit.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MEMORY_FILE;
if (file) {
  const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  let atPeakRss = process.memoryUsage();
  let samples = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples++;
    for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
    if (m.rss >= atPeakRss.rss) atPeakRss = m;
  };
  // 20 ms: a 15 MB response is decoded and dropped within a few hundred ms, so coarser sampling misses peaks.
  setInterval(sample, 20).unref();
  process.on('exit', () => {
    sample();
    writeFileSync(file, JSON.stringify({ samples, peak, atPeakRss }));
  });
}
