/** Collects measured rows as sections produce them, prints each at once, and renders RESULTS.md. */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { cpus, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { SCRATCH } from './cleanup.js';
import type { BenchOptions } from './options.js';
import { run } from './processes.js';

/** One measured number; `ok` is set only where there is a target to meet. */
export interface Row {
  section: string;
  metric: string;
  value: string;
  target?: string;
  ok?: boolean;
}

export class Report {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];
  /** Pieces of the final one-line summary, in section order. */
  readonly summary: string[] = [];

  add(row: Row): void {
    this.rows.push(row);
    const verdict = row.ok === undefined ? '' : row.ok ? `  (target ${row.target}: met)` : `  (target ${row.target}: MISSED)`;
    process.stdout.write(`  ${row.metric}: ${row.value}${verdict}\n`);
  }

  note(text: string): void {
    this.notes.push(text);
    process.stdout.write(`  note: ${text}\n`);
  }
}

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  ffmpeg: string;
  /** What creating one file costs in the bench's scratch dir and in the system temp dir. */
  fileCreate: string;
  /** The commit measured, and whether src/ had uncommitted changes (other work in progress is measured too). */
  code: string;
  date: string;
}

const CREATE_SAMPLES = 300;

/** Mean wall time of creating (open O_CREAT + close) a new file in a fresh dir under `base`, in µs. */
function fileCreateUs(base: string): string {
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'create-cost-'));
  try {
    const started = performance.now();
    for (let i = 0; i < CREATE_SAMPLES; i++) closeSync(openSync(join(dir, String(i)), 'w'));
    return (((performance.now() - started) / CREATE_SAMPLES) * 1000).toFixed(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the numbers were measured on. */
export async function describeMachine(): Promise<Machine> {
  const list = cpus();
  const ffmpeg = await run('ffmpeg', ['-hide_banner', '-version'], 10_000).catch(() => ({ stdout: 'not found' }));
  const head = await run('git', ['rev-parse', '--short', 'HEAD'], 10_000).catch(() => ({ stdout: '' }));
  const dirty = await run('git', ['status', '--porcelain', '--', 'src'], 10_000).catch(() => ({ stdout: '' }));
  const changed = dirty.stdout.split('\n').filter((l) => l.trim() !== '').length;
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${osType()} ${release()}`,
    node: process.version,
    ffmpeg: ffmpeg.stdout.split('\n')[0]?.trim() ?? 'unknown',
    fileCreate: `${fileCreateUs(SCRATCH)} µs in ${SCRATCH}, where the bench keeps its stores (mean of ${CREATE_SAMPLES} opens of a new file in a new directory)`,
    code: `${head.stdout.trim() || 'unknown commit'}${changed > 0 ? ` with ${changed} uncommitted file(s) in src/` : ''}`,
    date: new Date().toISOString(),
  };
}

/** RESULTS.md: how it was run, on what, the table, and the notes. */
export function renderResults(report: Report, machine: Machine, options: BenchOptions, command: string, wallSeconds: number): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '# narrate bench results',
    '',
    `Written by \`${command}\` on ${machine.date}; the whole run took ${wallSeconds.toFixed(0)} s. Every number below was measured in that run.`,
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu} × ${machine.cores} (os.cpus())`,
    `- Memory: ${machine.memory}`,
    `- OS: ${machine.os}`,
    `- Node: ${machine.node}`,
    `- ffmpeg: ${machine.ffmpeg}`,
    `- Creating a file: ${machine.fileCreate}`,
    `- Code: ${machine.code} (npm run bench builds dist/ from the working tree first)`,
    '',
    '## Parameters',
    '',
    '```json',
    JSON.stringify(options),
    '```',
    '',
    '## Results',
    '',
    '| section | metric | value | target | met |',
    '|---|---|---|---|---|',
    ...report.rows.map((r) => `| ${cell(r.section)} | ${cell(r.metric)} | ${cell(r.value)} | ${cell(r.target ?? '')} | ${r.ok === undefined ? '' : r.ok ? 'yes' : '**no**'} |`),
    '',
    '## Notes',
    '',
    ...(report.notes.length === 0 ? ['- none'] : report.notes.map((n) => `- ${n}`)),
    '',
    '## Definitions',
    '',
    '- **efficiency** = ideal ÷ actual time, ideal = chunks × model latency ÷ (workers × concurrency): 1.0 means every slot was waiting on the model all the time.',
    '- **fleet time** runs from the moment the flow was enqueued (earliest job `timestamp`) to the last chunk\'s `finishedOn` (BullMQ\'s own timestamps); workers are connected before submit, and the submit process\'s start-up is shown separately. **naive time** runs from its first call to its last file written.',
    "- **per-chunk time beyond latency** = `finishedOn − processedOn − latency` of each completed job: all of a job's time that is not the fake's configured latency — waiting for one of the worker's call slots (a worker holds a quarter more jobs than slots, ready), the HTTP round trip including the fake building its reply, base64 decode, checks, hashing, store write. The **split** matches each job to its call at the fake by text: job start → the fake has read the request / the fake's time beyond its latency / the fake's reply → job done. **most calls in flight** and **provider busy** (Σ of each call's time at the fake ÷ (slots × fleet time)) are the provider's view: how many requests it had at once, and how much of the allowed concurrency it was kept busy. **jobs held ÷ call slots** = Σ(finishedOn − processedOn) ÷ (slots × fleet time). **CPU per chunk** is user + system time from `/proc/<pid>/stat` (the naive process measures its own) between submit and the last chunk, ÷ chunks.",
    "- **achieved rpm** counts successful model calls (the `processedOn` of each job's last attempt) in sliding windows of 60 s (80% of the run when it is shorter) placed at evenly spaced starts inside the run: the mean is the rate achieved, the busiest is what the provider's sliding-window limit sees (the limiter releases calls in bursts of rpm/60, so a window can read up to one burst high). **429 share** = the fake's `rate-limited` answers ÷ all calls it received.",
    '- **peak RSS** is the kernel\'s `VmHWM` of the process (`/proc/<pid>/status`) read just before SIGTERM; ffmpeg\'s is `/usr/bin/time`\'s maximum resident set.',
    "- **finalize vs cat**: `finalizeBook` to WAV (stat every segment, write the concat list, ffmpeg concat demuxer with `-c:a copy`, rename, manifest), timed inside a fresh node process, against `cat` of the same segment files into one file; fastest of the repeats, each preceded by `sync`, both writing into the page cache. The WAV book is slightly larger than the cat: it holds the pauses between segments and chapters.",
    '',
  ];
  return lines.join('\n');
}
