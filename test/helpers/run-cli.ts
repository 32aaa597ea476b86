import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/narrate.js', import.meta.url));

/** The outcome of running the real `narrate` binary (as built by `npm run build`). */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/narrate.js ...args` with only the environment given (plus PATH and HOME). */
export function runCli(args: string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number; closePipes?: ('stdout' | 'stderr')[] } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      // Alignment off unless a test turns it on: the fake model's readings are tones, which say no sentence.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NARRATE_ALIGN: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A reader that has gone before the command prints (`narrate list | head -0`): its writes meet a closed pipe.
    for (const name of options.closePipes ?? []) child[name].destroy();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
