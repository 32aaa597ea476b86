/** Small helpers around child processes and /proc, shared by the sections. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { trackChild } from './cleanup.js';

/** The repository root: every child runs from here so relative paths (bin/, test/) resolve. */
export const ROOT = new URL('..', import.meta.url).pathname;

/** Spawns a child that the bench kills if it is still running when the bench ends. */
export function start(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return trackChild(spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...options }));
}

/** Runs a TypeScript file of this repo in a plain node process (no tsx wrapper process, so its pid is the program's). */
export function startTs(file: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return start(process.execPath, ['--import', 'tsx', file, ...args], options);
}

/** Resolves with the exit code; after `timeoutMs` sends SIGKILL and resolves with null. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Collects a child's whole stdout and stderr and its exit code; kills it after `timeoutMs`. */
export async function run(command: string, args: string[], timeoutMs: number, options: SpawnOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(command, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await waitExit(child, timeoutMs);
  return { code, stdout, stderr };
}

/** Resolves with the first line a child prints on stdout (its stderr is kept for the error message). */
export function firstLine(child: ChildProcess, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no output after ${timeoutMs} ms; stderr: ${err.slice(-500)}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${String(code)} before printing; stderr: ${err.slice(-500)}`));
    });
  });
}

/** A `Vm*` field of /proc/<pid>/status in bytes (VmHWM is the peak resident set), or undefined if gone. */
export function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU time a process has used so far, in ms (Linux's USER_HZ is 100 on every mainstream kernel). */
export function procCpuMs(pid: number): number {
  try {
    // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/**
 * CPU time of a process and of the children it has waited for (ffmpeg runs, for a worker), in ms:
 * utime + stime + cutime + cstime of /proc/<pid>/stat.
 */
export function procCpuWithChildrenMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return NaN;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `intervalMs` until it returns a value; throws `what` after `timeoutMs`. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, intervalMs: number, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}
