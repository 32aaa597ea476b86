/**
 * What file-system calls cost on this machine:
 *   node bench/fs-call-cost.mjs [dir ...]      (default: the system temp dir)
 * - an open+close of an existing file, async (libuv's thread pool) against in-line: why the
 *   segment store makes its few small calls per chunk in-line;
 * - creating a new file, in five fresh directories under each dir given: why a segment is one
 *   file, not two. This one varies between directories of the same disk.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const N = 4000;
const CREATES = 200;
const f = (ms) => `${ms.toFixed(3)} ms`;
const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const dirs = process.argv.length > 2 ? process.argv.slice(2).map((d) => resolve(d)) : [tmpdir()];

const scratch = mkdtempSync(join(dirs[0], 'narrate-fs-cost-'));
try {
  const path = join(scratch, 'f');
  closeSync(openSync(path, 'w'));
  let t = performance.now();
  let c = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  for (let i = 0; i < N; i++) await (await open(path, 'r')).close();
  const asyncWall = (performance.now() - t) / N;
  const asyncCpu = cpuMs(c) / N;
  const asyncMain = performance.eventLoopUtilization(elu).active / N;
  t = performance.now();
  c = process.cpuUsage();
  for (let i = 0; i < N; i++) closeSync(openSync(path, 'r'));
  console.log(`open+close of an existing file, ${N} times each`);
  console.log(`  async:   ${f(asyncWall)} wall, ${f(asyncCpu)} CPU (all threads), ${f(asyncMain)} of it on the event loop`);
  console.log(`  in-line: ${f((performance.now() - t) / N)} wall, ${f(cpuMs(c) / N)} CPU`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

console.log(`creating a new file (open O_CREAT + close), mean of ${CREATES}, in five fresh directories`);
for (const base of dirs) {
  mkdirSync(base, { recursive: true });
  const costs = [];
  for (let k = 0; k < 5; k++) {
    const dir = mkdtempSync(join(base, 'narrate-fs-cost-'));
    try {
      const t = performance.now();
      for (let i = 0; i < CREATES; i++) closeSync(openSync(join(dir, String(i)), 'w'));
      costs.push(`${(((performance.now() - t) / CREATES) * 1000).toFixed(0)} µs`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`  ${base}: ${costs.join(', ')}`);
}
