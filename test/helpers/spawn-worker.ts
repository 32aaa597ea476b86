import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/narrate.js', import.meta.url));

/** How a spawned process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the process was seen to exit. */
  at: number;
}

/** A child process started by a test: its output so far, its exit, and a way to signal it. */
export interface SpawnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr interleaved as received, for failure messages. */
  output(): string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Whether the process is still running. */
  running(): boolean;
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit, or with undefined if the process is still running after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<ProcessExit | undefined>;
}

const live = new Set<SpawnedProcess>();

/** Spawns `command args` with only the environment given (plus PATH and HOME); tracked for killAllSpawned. */
export function spawnProcess(command: string, args: string[], env: Record<string, string> = {}, options: { cwd?: string } = {}): SpawnedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? process.cwd(),
    // Alignment off unless a test turns it on: the fake model's readings are tones, which say no sentence.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NARRATE_ALIGN: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const append = (d: Buffer) => {
    out += d.toString();
    // Keep the tail only: a chatty worker must not grow the test's memory without bound.
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let done: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', (error) => {
      out += `\n[spawn error] ${error.message}\n`;
      done = { code: null, signal: null, at: Date.now() };
      resolve(done);
    });
    child.once('exit', (code, signal) => {
      done = { code, signal, at: Date.now() };
      resolve(done);
    });
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  const handle: SpawnedProcess = {
    child,
    pid: child.pid,
    output: () => out,
    exited,
    running: () => done === undefined,
    signal(signal) {
      if (done === undefined) child.kill(signal);
    },
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, timeoutMs, undefined)));
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}

/** Starts `node bin/narrate.js worker` (the built CLI) with the given environment. */
export function spawnWorker(env: Record<string, string>): SpawnedProcess {
  return spawnProcess(process.execPath, [BIN, 'worker'], env);
}

/** SIGKILLs every process this test file spawned that is still running, and waits for each to go. */
export async function killAllSpawned(): Promise<void> {
  const all = [...live];
  for (const p of all) p.signal('SIGKILL');
  await Promise.all(all.map((p) => p.waitForExit(5_000)));
}
