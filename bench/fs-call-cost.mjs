/**
 * What one file-system call costs on this machine, async (libuv's thread pool) against in-line:
 *   node bench/fs-call-cost.mjs
 * The segment store's choice of in-line calls for its tiny files rests on these numbers.
 */
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const N = 4000;
const dir = mkdtempSync(join(tmpdir(), 'narrate-fs-cost-'));
const path = join(dir, 'f');
const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
try {
  let t = performance.now();
  let c = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  for (let i = 0; i < N; i++) await (await open(path, 'w')).close();
  const asyncWall = (performance.now() - t) / N;
  const asyncCpu = cpuMs(c) / N;
  const asyncMain = performance.eventLoopUtilization(elu).active / N;

  t = performance.now();
  c = process.cpuUsage();
  for (let i = 0; i < N; i++) closeSync(openSync(path, 'w'));
  const syncWall = (performance.now() - t) / N;
  const syncCpu = cpuMs(c) / N;

  const f = (ms) => `${ms.toFixed(3)} ms`;
  console.log(`open+close, ${N} times each`);
  console.log(`  async:   ${f(asyncWall)} wall, ${f(asyncCpu)} CPU (all threads), ${f(asyncMain)} of it on the event loop`);
  console.log(`  in-line: ${f(syncWall)} wall, ${f(syncCpu)} CPU`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
