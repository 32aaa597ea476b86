/**
 * Everything the bench starts is registered here so it stops on every exit path: normal end, an
 * error, Ctrl-C, SIGTERM, or the bench's own deadline. Children get SIGKILL and temp dirs are
 * removed synchronously in the 'exit' handler as the last resort.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

type Task = () => Promise<unknown> | unknown;

const tasks: Task[] = [];
const children = new Set<ChildProcess>();
const dirs = new Set<string>();

/** Registers an async cleanup (e.g. obliterating queues); returns a function that runs and forgets it. */
export function onCleanup(task: Task): () => Promise<void> {
  tasks.push(task);
  return async () => {
    const i = tasks.indexOf(task);
    if (i >= 0) tasks.splice(i, 1);
    await task();
  };
}

/** Remembers a child so it is killed if the bench ends before the child does. */
export function trackChild(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * Where the bench keeps its segment stores, spools and books: the system temp dir, or
 * BENCH_SCRATCH. A worker creates a file per chunk, and what that costs varies a lot between
 * directories of one disk and over time (on the machine of RESULTS.md, from 20 µs to 0.8 ms in one
 * day: `node bench/fs-call-cost.mjs <dirs>`), so RESULTS.md's machine section measures it where
 * the bench ran.
 */
export const SCRATCH = resolve(process.env.BENCH_SCRATCH ?? tmpdir());

/** A fresh scratch dir (under `parent`, default SCRATCH), removed at the end whatever happens. */
export async function tempDir(name: string, parent: string = SCRATCH): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, `narrate-bench-${name}-`));
  dirs.add(dir);
  return dir;
}

/** Removes a temp dir now (big segment sets should not wait for the end of the run). */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

let running: Promise<void> | undefined;

/** Kills children, runs every registered cleanup (newest first, each even if another fails), removes dirs. */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    // Children first: a worker still running could write keys back after its queues are obliterated.
    await Promise.all(
      [...children].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            setTimeout(resolve, 2_000).unref();
            child.kill('SIGKILL');
          }),
      ),
    );
    for (const task of tasks.splice(0).reverse()) {
      await Promise.resolve()
        .then(task)
        .catch((error: unknown) => process.stderr.write(`bench: cleanup step failed: ${String(error)}\n`));
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    dirs.clear();
  })();
  return running;
}

/** Signals and a hard deadline end the run with cleanup; 'exit' is the synchronous safety net. */
export function installExitHandlers(deadlineMs: number): void {
  const abort = (why: string, code: number) => {
    process.stderr.write(`bench: ${why}; cleaning up\n`);
    // A cleanup that hangs (Redis gone) must not keep the bench alive.
    setTimeout(() => process.exit(code), 15_000).unref();
    void cleanupAll().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  setTimeout(() => abort(`deadline of ${Math.round(deadlineMs / 1000)} s passed`, 1), deadlineMs).unref();
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}
