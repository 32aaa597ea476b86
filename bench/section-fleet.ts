/** Sections 1 and 2: fleet throughput against a naive p-limit loop at the same total concurrency. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { removeDir, tempDir } from './cleanup.js';
import { startFakeModel } from './fake-model.js';
import type { BenchOptions } from './options.js';
import { firstLine, procCpuMs, startTs, waitExit } from './processes.js';
import type { Report } from './report.js';
import { runFleet, type JobTiming } from './run-fleet.js';
import type { FakeTiming } from '../test/helpers/fake-model-server.js';
import { fixed, mb, pct, percentile, secs } from './stats.js';
import { writeSyntheticBook, type SyntheticBook } from './synthetic-book.js';
import { onCleanup } from './cleanup.js';
import { startS3ServerProcess } from './s3-server.js';

const pctOf = (part: number, whole: number) => pct(part / whole, 0);

export async function fleetSection(o: BenchOptions, report: Report): Promise<void> {
  const dir = await tempDir('fleet-book');
  const book = await writeSyntheticBook(dir, 'fleet-book', o.chunks, o.chunkChars, 'fleet');
  const slots = o.workers * o.concurrency;
  const idealMs = (o.chunks * o.latency) / slots;
  const S = '1 fleet';
  const cores = cpus().length;
  process.stdout.write(`\n[1] fleet: ${o.chunks} chunks of ~${o.chunkChars} chars, ${o.workers} workers × concurrency ${o.concurrency}, model latency ${o.latency} ms (ideal ${secs(idealMs)})\n`);

  const fake = await startFakeModel({ latency: o.latency, jitter: 0, speech: 1 });
  let fleetEff = NaN;
  try {
    const r = await runFleet({ name: 'fleet', book, workers: o.workers, concurrency: o.concurrency, fake, timeoutMs: 20 * idealMs + 120_000 });
    const enqueued = Math.min(...r.jobs.map((j) => j.timestamp));
    const done = Math.max(...r.jobs.map((j) => j.finishedOn));
    const fleetMs = done - enqueued;
    fleetEff = idealMs / fleetMs;
    const inJob = r.jobs.map((j) => j.finishedOn - j.processedOn);
    const overhead = inJob.map((ms) => ms - o.latency);
    const busy = inJob.reduce((a, b) => a + b, 0);
    const stats = await fake.stats();
    const timings = await fake.timings();
    const split = splitOverhead(r.jobs, timings, o.latency);
    const calls = callsInFlight(timings);
    report.add({ section: S, metric: 'fleet time (enqueue → last chunk)', value: secs(fleetMs) });
    report.add({ section: S, metric: 'submit spawn → last chunk', value: secs(done - r.submitStartedAt) });
    report.add({ section: S, metric: 'throughput', value: `${fixed((o.chunks / fleetMs) * 1000, 1)} chunks/s (ideal ${fixed((o.chunks / idealMs) * 1000, 1)})` });
    report.add({ section: S, metric: 'efficiency (ideal ÷ actual)', value: fixed(fleetEff, 3), target: '≥ 0.95', ok: fleetEff >= 0.95 });
    report.add({ section: S, metric: 'per-chunk time beyond latency (waiting for a call slot included) p50 / p95', value: `${fixed(percentile(overhead, 50), 0)} / ${fixed(percentile(overhead, 95), 0)} ms` });
    report.add({ section: S, metric: 'overhead split p50: job start → request at fake / fake beyond latency / reply → job done', value: split });
    report.add({ section: S, metric: 'gap on one connection: reply sent → next request read, p50 / p95', value: connectionGaps(timings) });
    report.add({ section: S, metric: 'most calls in flight at the fake at once', value: String(calls.max), target: `≤ ${slots}`, ok: calls.max <= slots });
    report.add({ section: S, metric: 'provider busy: Σ call time at the fake ÷ (slots × fleet time)', value: fixed(calls.busyMs / (slots * fleetMs)) });
    report.add({ section: S, metric: 'jobs held ÷ call slots (over 1: jobs waiting ready for a slot)', value: fixed(busy / (slots * fleetMs)) });
    report.add({ section: S, metric: 'CPU per chunk: workers / fake model', value: `${fixed(r.workerCpuMs / o.chunks, 1)} / ${fixed(r.fakeCpuMs / o.chunks, 1)} ms` });
    report.add({ section: S, metric: `CPU busy, workers + fake ÷ (${cores} cores × time)`, value: pctOf(r.workerCpuMs + r.fakeCpuMs, cores * (done - r.submitStartedAt)) });
    report.add({ section: S, metric: 'first job taken after enqueue', value: `${Math.min(...r.jobs.map((j) => j.processedOn)) - enqueued} ms` });
    report.add({ section: S, metric: 'model calls / 429s', value: `${stats.calls} / ${stats.byOutcome['rate-limited'] ?? 0}` });
    report.add({ section: S, metric: 'finalize of the book after the last chunk', value: secs(r.bookFinishedAt - done) });
    report.add({ section: S, metric: 'worker peak RSS (VmHWM)', value: r.peakRss.map(mb).join(', ') });
    report.add({ section: S, metric: 'worker exit codes after SIGTERM', value: r.exitCodes.map(String).join(', '), target: 'all 0', ok: r.exitCodes.every((c) => c === 0) });
    const missed = r.redis.missed.map((k) => k.slice(k.indexOf('}') + 2));
    report.add({ section: S, metric: 'Redis keys obliterate left (then deleted)', value: missed.length === 0 ? 'none' : missed.join(', ') });
    report.add({ section: S, metric: 'Redis keys left under the prefix at the end', value: String(r.redis.remaining), target: '0', ok: r.redis.remaining === 0 });
  } finally {
    await fake.stop();
  }

  await workerCpuRow(o, report, S);

  await s3FleetRun(o, report, book, fleetEff);

  process.stdout.write(`\n[2] naive: the same ${o.chunks} chunks, one process, p-limit(${slots}) around the openai SDK (ChatAudioNarrator's request), each WAV written\n`);
  const naiveFake = await startFakeModel({ latency: o.latency, jitter: 0, speech: 1 });
  try {
    const textsFile = join(dir, 'texts.json');
    await writeFile(textsFile, JSON.stringify(book.texts));
    const out = join(dir, 'naive-out');
    await mkdir(out);
    const fakeCpuBefore = procCpuMs(naiveFake.pid);
    const child = startTs('bench/naive-baseline.ts', ['--url', naiveFake.url, '--key', naiveFake.apiKey, '--concurrency', String(slots), '--texts', textsFile, '--out', out]);
    const line = await firstLine(child, 20 * idealMs + 120_000, 'naive baseline');
    const fakeCpuMs = procCpuMs(naiveFake.pid) - fakeCpuBefore;
    const naiveFakeExtra = (await naiveFake.timings()).filter((t) => t.status === 200).map((t) => t.repliedAt - t.at - o.latency);
    await waitExit(child, 10_000);
    const n = JSON.parse(line) as { startedAt: number; finishedAt: number; calls: number; failures: number; cpuMs: number; peakRss: number };
    const naiveMs = n.finishedAt - n.startedAt;
    const naiveEff = idealMs / naiveMs;
    const S2 = '2 naive';
    report.add({ section: S2, metric: 'naive time (first call → last file)', value: secs(naiveMs) });
    report.add({ section: S2, metric: 'throughput', value: `${fixed((o.chunks / naiveMs) * 1000, 1)} chunks/s` });
    report.add({ section: S2, metric: 'efficiency (ideal ÷ actual)', value: fixed(naiveEff, 3) });
    report.add({ section: S2, metric: 'fake beyond latency p50 / p95', value: `${fixed(percentile(naiveFakeExtra, 50), 0)} / ${fixed(percentile(naiveFakeExtra, 95), 0)} ms` });
    report.add({ section: S2, metric: 'failed calls', value: String(n.failures) });
    report.add({ section: S2, metric: 'CPU per chunk: naive process / fake model', value: `${fixed(n.cpuMs / o.chunks, 1)} / ${fixed(fakeCpuMs / o.chunks, 1)} ms` });
    report.add({ section: S2, metric: `CPU busy, naive + fake ÷ (${cores} cores × time)`, value: pctOf(n.cpuMs + fakeCpuMs, cores * naiveMs) });
    report.add({ section: S2, metric: 'peak RSS', value: mb(n.peakRss) });
    const ratio = fleetEff / naiveEff;
    report.add({ section: S2, metric: 'fleet efficiency ÷ naive efficiency', value: fixed(ratio), target: '≥ 0.95', ok: ratio >= 0.95 });
    report.summary.push(`fleet eff ${fixed(fleetEff, 3)} (naive ${fixed(naiveEff, 3)})`);
  } finally {
    await naiveFake.stop();
    await removeDir(dir);
  }
}

/**
 * A worker's CPU for one 1 MiB reply of real speech after the model has answered (decode into the
 * spool, loudness and true peak, store put), against the same path at `o.workerCpuBase`, alternated
 * round by round in one process (bench/worker-cpu-cost.ts --base): the ratio holds on a loaded
 * machine, where the fleet's own CPU per chunk moves with the load.
 */
async function workerCpuRow(o: BenchOptions, report: Report, section: string): Promise<void> {
  const child = startTs('bench/worker-cpu-cost.ts', ['--base', o.workerCpuBase, '--json', '--rounds', o.quick ? '20' : '60']);
  const line = await firstLine(child, 600_000, 'worker-cpu-cost');
  await waitExit(child, 10_000);
  const r = JSON.parse(line) as { bytes: number; baseMs: number; ms: number; ratio: number };
  // 5 ms of the 7.0 ms the base commit took per 1 MiB reply on a quiet machine (docs/benchmarks.md).
  const target = 5 / 7;
  report.add({
    section,
    metric: `CPU per 1 MiB reply after the model answers (decode, meter, put): this code / ${o.workerCpuBase}, medians of alternated rounds`,
    value: `${fixed(r.ms, 2)} / ${fixed(r.baseMs, 2)} ms = ${fixed(r.ratio, 2)}`,
    target: `≤ ${fixed(target, 2)}`,
    ok: r.ratio <= target,
  });
}

/** p50 (p95) of each part of a job's time beyond the model's latency, matched to the fake's calls by text. */
function splitOverhead(jobs: JobTiming[], timings: FakeTiming[], latency: number): string {
  const bySha = new Map(timings.filter((t) => t.status === 200).map((t) => [t.sha1, t]));
  const before: number[] = [];
  const fake: number[] = [];
  const after: number[] = [];
  for (const j of jobs) {
    const t = bySha.get(j.sha1);
    if (!t) continue;
    before.push(t.at - j.processedOn);
    fake.push(t.repliedAt - t.at - latency);
    after.push(j.finishedOn - t.repliedAt);
  }
  if (before.length === 0) return 'n/a (no call matched a job)';
  const p = (xs: number[]) => `${fixed(percentile(xs, 50), 0)} (${fixed(percentile(xs, 95), 0)})`;
  return `${p(before)} / ${p(fake)} / ${p(after)} ms, ${before.length} of ${jobs.length} matched`;
}

/**
 * A worker's call slot, as the fake sees it: the time from one reply on a keep-alive connection to
 * the next request read on it (the worker reading the reply, checking it, and sending the next).
 */
function connectionGaps(timings: FakeTiming[]): string {
  const bySocket = new Map<number, FakeTiming[]>();
  for (const t of timings) {
    if (t.repliedAt === 0) continue;
    const list = bySocket.get(t.socket) ?? [];
    list.push(t);
    bySocket.set(t.socket, list);
  }
  const gaps: number[] = [];
  for (const list of bySocket.values()) {
    for (let i = 1; i < list.length; i++) gaps.push(list[i]!.at - list[i - 1]!.repliedAt);
  }
  if (gaps.length === 0) return 'n/a';
  return `${fixed(percentile(gaps, 50), 1)} / ${fixed(percentile(gaps, 95), 1)} ms over ${bySocket.size} connections`;
}

/** The most requests the fake was working on at once, and the sum of their durations. */
function callsInFlight(timings: FakeTiming[]): { max: number; busyMs: number } {
  const answered = timings.filter((t) => t.repliedAt > 0);
  const edges = answered.flatMap((t) => [
    { at: t.at, d: 1 },
    { at: t.repliedAt, d: -1 },
  ]);
  // At equal times the end goes first: a call that ends as another starts does not overlap it.
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return { max, busyMs: answered.reduce((n, t) => n + (t.repliedAt - t.at), 0) };
}

/**
 * Section 1b: the same fleet with its segments (and the book) in an S3 bucket — s3rver on
 * loopback behind the counting proxy of test/helpers/s3-server.ts, in a process of its own as a
 * remote endpoint would be — against the directory store's efficiency, the store requests each
 * chunk cost (while narrating and in all), and the CPU the loopback server itself spent.
 */
async function s3FleetRun(o: BenchOptions, report: Report, book: SyntheticBook, fileEff: number): Promise<void> {
  const S = '1b fleet, S3 store';
  const slots = o.workers * o.concurrency;
  const idealMs = (o.chunks * o.latency) / slots;
  process.stdout.write(`\n[1b] fleet, S3 store: the same book with NARRATE_STORE_URL=s3:// (s3rver on loopback, its own process) and --out s3://\n`);
  const s3Dir = await tempDir('s3rver', existsSync('/dev/shm') ? '/dev/shm' : undefined);
  const s3 = await startS3ServerProcess(['bench'], s3Dir);
  const stopS3 = onCleanup(() => s3.stop());
  const fake = await startFakeModel({ latency: o.latency, jitter: 0, speech: 1 });
  try {
    let atChunksDone: { requests: Record<string, number>; connections: number } = { requests: {}, connections: 0 };
    let s3CpuMs = NaN;
    const s3CpuAtStart = procCpuMs(s3.pid);
    const r = await runFleet({
      name: 'fleet-s3',
      book,
      workers: o.workers,
      concurrency: o.concurrency,
      fake,
      timeoutMs: 20 * idealMs + 120_000,
      store: { env: { ...s3.env, NARRATE_STORE_URL: 's3://bench/segments' }, out: 's3://bench/books/' },
      onChunksDone: async () => {
        s3CpuMs = procCpuMs(s3.pid) - s3CpuAtStart;
        atChunksDone = await s3.stats();
      },
    });
    const enqueued = Math.min(...r.jobs.map((j) => j.timestamp));
    const done = Math.max(...r.jobs.map((j) => j.finishedOn));
    const eff = idealMs / (done - enqueued);
    const perChunk = (counts: Record<string, number>) => {
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const split = Object.entries(counts).sort().map(([m, n]) => `${m} ${fixed(n / o.chunks, 2)}`).join(', ');
      return `${fixed(total / o.chunks, 2)} (${split})`;
    };
    report.add({ section: S, metric: 'fleet time (enqueue → last chunk)', value: secs(done - enqueued) });
    report.add({ section: S, metric: 'efficiency (ideal ÷ actual)', value: fixed(eff, 3) });
    const ratio = eff / fileEff;
    // At section 1's shape the two cores are saturated, and the loopback server's own CPU (which a
    // real endpoint spends on its own machines) is taken from the workers: the target is judged
    // side by side at a shape with CPU to spare, below.
    report.add({ section: S, metric: 'efficiency ÷ the directory store\'s (section 1, both cores saturated)', value: fixed(ratio, 3) });
    const atEnd = await s3.stats();
    const requests = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    report.add({ section: S, metric: 'store requests per chunk while narrating', value: perChunk(atChunksDone.requests) });
    report.add({ section: S, metric: 'store requests per chunk in all (finalize and book upload included)', value: perChunk(atEnd.requests) });
    report.add({ section: S, metric: 'store connections opened / requests (the SDK\'s keep-alive agent reuses them)', value: `${atEnd.connections} / ${requests(atEnd.requests)}` });
    report.add({ section: S, metric: 'CPU per chunk: workers / loopback S3 server (s3rver + proxy) / fake model', value: `${fixed(r.workerCpuMs / o.chunks, 1)} / ${fixed(s3CpuMs / o.chunks, 1)} / ${fixed(r.fakeCpuMs / o.chunks, 1)} ms` });
    // Near 100% the fleet waits on the CPU, not on the model; the loopback server's share is taken from the workers'.
    report.add({ section: S, metric: `CPU busy, workers + S3 server + fake ÷ (${cpus().length} cores × time)`, value: pctOf(r.workerCpuMs + s3CpuMs + r.fakeCpuMs, cpus().length * (done - r.submitStartedAt)) });
    report.add({ section: S, metric: 'finalize of the book after the last chunk (segments streamed from the bucket, book uploaded)', value: secs(r.bookFinishedAt - done) });
    report.add({ section: S, metric: 'worker peak RSS (VmHWM)', value: r.peakRss.map(mb).join(', ') });
    report.add({ section: S, metric: 'worker exit codes after SIGTERM', value: r.exitCodes.map(String).join(', '), target: 'all 0', ok: r.exitCodes.every((c) => c === 0) });
    // Side by side, at a shape where the machine has CPU to spare (as a fleet whose bucket is
    // elsewhere has): what the S3 store costs the fleet, not what the loopback server costs the box.
    const pairSlots = o.workers * o.s3Concurrency;
    const pairIdeal = (o.s3Chunks * o.latency) / pairSlots;
    const pairDir = await tempDir('fleet-pair');
    try {
      const small = await writeSyntheticBook(pairDir, 'pair-book', o.s3Chunks, o.chunkChars, 'pair');
      const effOf = async (name: string, store?: { env: Record<string, string>; out: string }) => {
        const run = await runFleet({ name, book: small, workers: o.workers, concurrency: o.s3Concurrency, fake, timeoutMs: 20 * pairIdeal + 120_000, ...(store ? { store } : {}) });
        return pairIdeal / (Math.max(...run.jobs.map((j) => j.finishedOn)) - Math.min(...run.jobs.map((j) => j.timestamp)));
      };
      // Alternated and repeated, the best of each counted: one run's noise on a shared 2-core box is
      // of the order of the 2% being judged. Each S3 run stores under a prefix of its own, so none
      // finds the segments of the one before (a cache hit would flatter it).
      let dirEff = 0;
      let bucketEff = 0;
      for (let round = 0; round < o.s3Rounds; round++) {
        dirEff = Math.max(dirEff, await effOf(`pair-dir-${round}`));
        bucketEff = Math.max(bucketEff, await effOf(`pair-s3-${round}`, { env: { ...s3.env, NARRATE_STORE_URL: `s3://bench/pair-${round}/segments` }, out: `s3://bench/pair-${round}/books/` }));
      }
      const pair = bucketEff / dirEff;
      report.add({ section: S, metric: `side by side, ${o.s3Chunks} chunks, ${o.workers} workers × concurrency ${o.s3Concurrency}, best of ${o.s3Rounds} alternated runs: efficiency directory / S3`, value: `${fixed(dirEff, 3)} / ${fixed(bucketEff, 3)}` });
      report.add({ section: S, metric: 'side by side: S3 efficiency ÷ directory efficiency', value: fixed(pair, 3), target: '≥ 0.98', ok: pair >= 0.98 });
      report.summary.push(`S3 fleet ${fixed(pair, 3)} of the directory store's side by side (${fixed(ratio, 3)} with both cores saturated)`);
    } finally {
      await removeDir(pairDir);
    }
  } finally {
    await fake.stop();
    await stopS3();
    await removeDir(s3Dir);
  }
}
