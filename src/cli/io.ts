/** Where a command writes and what it reads: the real process by default, something else in tests. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** The process's own streams, each quiet once its reader has gone (see ignoreClosedPipe). */
export const processIo = (): CliIo => ({ stdout: ignoreClosedPipe(process.stdout), stderr: ignoreClosedPipe(process.stderr), env: process.env });

const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * `narrate list | head -1`: once the reader closes the pipe, a write fails with EPIPE, which an
 * output stream without an 'error' listener turns into an uncaught exception (a stack trace and
 * exit 1). A closed pipe is the reader saying it has seen enough: what is left to print is dropped
 * without a word (a destroyed stream drops later writes) and the command ends as it would have,
 * finishing its work (a `run` still narrates every book) and exiting 0 unless something else failed.
 */
export function ignoreClosedPipe<S extends NodeJS.WritableStream>(stream: S): S {
  if (guarded.has(stream)) return stream;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') return;
    throw error;
  });
  return stream;
}
