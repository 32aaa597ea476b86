/**
 * One measured fleet run: W `narrate worker` processes (the compiled CLI, as deployed), one
 * `narrate submit`, then timings read back from the jobs BullMQ kept in Redis.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openBenchQueues, REDIS_URL, type BenchQueues, type DisposeOutcome } from './bench-queues.js';
import type { OutputFormat } from '../src/contracts/job-data.js';
import { removeDir, tempDir } from './cleanup.js';
import type { FakeModelProcess } from './fake-model.js';
import { pollUntil, procCpuMs, procCpuWithChildrenMs, procStatusBytes, run, start, waitExit } from './processes.js';
import type { SyntheticBook } from './synthetic-book.js';

export interface FleetOptions {
  /** Short name, part of the Redis prefix and temp dir names. */
  name: string;
  /** The book to submit; `texts`, when known, are its chunks (their count is checked against submit's). */
  book: Pick<SyntheticBook, 'path' | 'maxChars'> & { texts?: string[] };
  /** The book's format; default wav (section 1 measures narration, not encoding). */
  format?: OutputFormat;
  /** Called once the book is finalized, before the workers stop and the run's Redis keys and files go. */
  afterBook?: (run: FleetRunContext) => Promise<void>;
  workers: number;
  concurrency: number;
  fake: FakeModelProcess;
  /** NARRATE_RPM, the fleet-wide limiter; unset means none. */
  rpm?: number;
  /** Preload bench/memory-sampler.mjs into each worker to break its peak memory down. */
  sampleMemory?: boolean;
  /** Bound on waiting for the chunks (and then the book) to be done. */
  timeoutMs: number;
  /** Another segment store than the default directory: its environment (NARRATE_STORE_URL, AWS_*) and where books go. */
  store?: { env: Record<string, string>; out: string };
  /** Called (and awaited) once every chunk is done, before the book is finalized (e.g. to read counters). */
  onChunksDone?: () => void | Promise<void>;
  /** NARRATE_ALIGN for the workers; default off: the fake's tones and bank speech do not say the chunk's text. */
  align?: boolean;
}

/** What afterBook gets: the run's queues, its directory, the environment its workers had, the book's id. */
export interface FleetRunContext {
  queues: BenchQueues;
  dir: string;
  env: NodeJS.ProcessEnv;
  bookId: string;
}

/** BullMQ's own timestamps of one completed synthesize job (ms since the epoch, set by the worker and Redis scripts). */
export interface JobTiming {
  /** When the job was added (the flow was enqueued). */
  timestamp: number;
  /** When a worker took it for the attempt that succeeded. */
  processedOn: number;
  finishedOn: number;
  /** sha1 (hex) of the chunk's text, to find its call in the fake's timings. */
  sha1: string;
}

/** process.memoryUsage() peaks of one worker, from bench/memory-sampler.mjs. */
export interface MemorySample {
  samples: number;
  peak: Record<'rss' | 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers', number>;
  atPeakRss: Record<'rss' | 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers', number>;
}

export interface FleetResult {
  jobs: JobTiming[];
  /** Date.now() just before `narrate submit` was spawned. */
  submitStartedAt: number;
  /** When the book's finalize job finished (all segments joined by a worker). */
  bookFinishedAt: number;
  /** CPU time the workers (together) and the fake used from submit until the last chunk was done. */
  workerCpuMs: number;
  /** The workers' CPU time with their ffmpeg children's, from submit until the book was finalized. */
  workerCpuWithChildrenMs: number;
  fakeCpuMs: number;
  /** VmHWM of each worker process just before SIGTERM, in bytes. */
  peakRss: number[];
  exitCodes: (number | null)[];
  memory: MemorySample[];
  /** What obliterate left under the prefix, and what was left after the bench's sweep. */
  redis: DisposeOutcome;
}

/** Starts the workers, submits the book, waits until it is finalized, stops the workers and cleans Redis and disk. */
export async function runFleet(o: FleetOptions): Promise<FleetResult> {
  const queues = openBenchQueues(o.name);
  const dir = await tempDir(o.name);
  const workers: ChildProcess[] = [];
  try {
    await mkdir(join(dir, 'tmp'));
    const env: NodeJS.ProcessEnv = {
      ...envWithoutNarrate(),
      NARRATE_API_KEY: o.fake.apiKey,
      NARRATE_BASE_URL: o.fake.url,
      NARRATE_PREFIX: queues.prefix,
      NARRATE_CONCURRENCY: String(o.concurrency),
      ...(o.store ? o.store.env : { NARRATE_STORE_DIR: join(dir, 'segments') }),
      NARRATE_LOG_LEVEL: 'warn',
      NARRATE_ALIGN: o.align === true ? 'on' : 'off',
      // Bounded drain, so stopping the fleet can never hang the bench.
      NARRATE_SHUTDOWN_TIMEOUT_MS: '10000',
      // The finalizer's scratch files land inside the bench's temp dir, so even a worker killed
      // mid-finalize (Ctrl-C on the bench) leaves nothing behind in the system temp dir.
      TMPDIR: join(dir, 'tmp'),
      REDIS_URL,
      ...(o.rpm === undefined ? {} : { NARRATE_RPM: String(o.rpm) }),
    };
    const stderrTails: string[] = [];
    for (let i = 0; i < o.workers; i++) {
      const preload = [...(o.sampleMemory ? ['--import', './bench/memory-sampler.mjs'] : []), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [])];
      const child = start(process.execPath, [...preload, 'bin/narrate.js', 'worker'], {
        env: { ...env, BENCH_MEMORY_FILE: join(dir, `memory-${i}.json`) },
      });
      stderrTails[i] = '';
      child.stdout?.resume();
      child.stderr?.on('data', (d: Buffer) => (stderrTails[i] = (stderrTails[i]! + d.toString()).slice(-2000)));
      workers.push(child);
    }
    // Timing starts only once every worker is listening on the queue: process start-up is not throughput.
    await pollUntil(async () => ((await queues.synthesize.getWorkersCount()) >= o.workers ? true : undefined), 100, 30_000, `${o.workers} workers to connect`);

    const cpu = () => ({ workers: workers.reduce((sum, w) => sum + procCpuMs(w.pid ?? -1), 0), fake: procCpuMs(o.fake.pid) });
    const cpuAtSubmit = cpu();
    const submitStartedAt = Date.now();
    const cpuWithChildrenAtSubmit = workers.reduce((sum, w) => sum + procCpuWithChildrenMs(w.pid ?? -1), 0);
    const submit = await run(process.execPath, ['bin/narrate.js', 'submit', o.book.path, '--out', o.store?.out ?? join(dir, 'out'), '--format', o.format ?? 'wav', '--max-chars', String(o.book.maxChars)], 60_000, { env });
    const [bookId, , chunksField] = submit.stdout.trim().split('\t');
    const chunks = Number.parseInt(chunksField ?? '', 10);
    if (submit.code !== 0 || bookId === undefined || !(chunks > 0) || (o.book.texts !== undefined && chunks !== o.book.texts.length)) {
      throw new Error(`narrate submit: exit ${String(submit.code)}, stdout ${JSON.stringify(submit.stdout)}, stderr ${submit.stderr.slice(-500)}`);
    }

    await pollUntil(
      async () => {
        const counts = await queues.synthesize.getJobCounts('completed', 'failed');
        if ((counts.failed ?? 0) > 0) {
          const [failed] = await queues.synthesize.getFailed(0, 0);
          throw new Error(`a chunk failed: ${failed?.failedReason ?? '?'}; worker stderr: ${stderrTails.join(' | ').slice(-1000)}`);
        }
        return counts.completed === chunks ? true : undefined;
      },
      100,
      o.timeoutMs,
      `${chunks} chunks`,
    );
    const cpuAtDone = cpu();
    await o.onChunksDone?.();
    const bookFinishedAt = await pollUntil(
      async () => {
        const job = await queues.finalize.getJob(bookId);
        if (job?.failedReason) throw new Error(`finalize failed: ${job.failedReason}`);
        return job?.finishedOn;
      },
      100,
      o.timeoutMs,
      'the book to be finalized',
    );

    const workerCpuWithChildrenMs = workers.reduce((sum, w) => sum + procCpuWithChildrenMs(w.pid ?? -1), 0) - cpuWithChildrenAtSubmit;
    const completed = await queues.synthesize.getJobs(['completed'], 0, -1);
    const jobs = completed.map((j) => ({
      timestamp: j.timestamp,
      processedOn: j.processedOn ?? NaN,
      finishedOn: j.finishedOn ?? NaN,
      sha1: createHash('sha1').update((j.data as { text: string }).text).digest('hex'),
    }));

    await o.afterBook?.({ queues, dir, env, bookId });
    // VmHWM is the kernel's high-water mark of the resident set: read before the process goes away.
    const peakRss = workers.map((w) => procStatusBytes(w.pid ?? -1, 'VmHWM') ?? NaN);
    for (const w of workers) w.kill('SIGTERM');
    const exitCodes = await Promise.all(workers.map((w) => waitExit(w, 25_000)));
    const memory = o.sampleMemory ? await Promise.all(workers.map((_, i) => readMemory(join(dir, `memory-${i}.json`)))) : [];
    const redis = await queues.dispose();
    const workerCpuMs = cpuAtDone.workers - cpuAtSubmit.workers;
    const fakeCpuMs = cpuAtDone.fake - cpuAtSubmit.fake;
    return { jobs, submitStartedAt, bookFinishedAt, workerCpuMs, workerCpuWithChildrenMs, fakeCpuMs, peakRss, exitCodes, memory, redis };
  } finally {
    // On an error path: no worker may outlive its queues (it would write keys back after obliterate).
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => waitExit(w, 5_000)));
    await queues.dispose();
    await removeDir(dir);
  }
}

/** The parent's environment minus any NARRATE_* a developer has set, so the run is configured only by the bench. */
export function envWithoutNarrate(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NARRATE_')));
}

async function readMemory(path: string): Promise<MemorySample> {
  return JSON.parse(await readFile(path, 'utf8')) as MemorySample;
}
