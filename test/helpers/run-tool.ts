import { spawn } from 'node:child_process';

/**
 * Runs a command line tool (ffmpeg, ffprobe, flac) to its end: `input` on its stdin, or a stdin
 * closed at once (so ffmpeg cannot read the test's stdin for keys). Resolves with what it wrote
 * and its exit code.
 */
export function runTool(command: string, args: string[], input?: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
    // ffmpeg may exit before reading all its input (an error); its stdin then fails with EPIPE.
    child.stdin.on('error', () => undefined);
    if (input === undefined) child.stdin.end();
    else child.stdin.end(input);
  });
}

/** Runs a tool that must succeed; rejects with its stderr otherwise. */
export async function runOk(command: string, args: string[], input?: Buffer): Promise<{ stdout: Buffer; stderr: string }> {
  const result = await runTool(command, args, input);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
  return result;
}
