import { existsSync, mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that reports why it failed: Node's recursive mkdir answers ENOENT on a read-only
 * disk (node 20), which reads as "nothing there" rather than "read-only". A plain mkdir of the
 * first missing level then gives the real code (EROFS, EACCES, ENOSPC).
 */
export async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    revealCause(dir, error);
  }
}

/** makeDir, in-line (sync). */
export function makeDirSync(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    revealCause(dir, error);
  }
}

/** Throws the real cause of a recursive mkdir's ENOENT (the first missing level's own mkdir error), else `error`. */
function revealCause(dir: string, error: unknown): never {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  let missing = dir;
  while (dirname(missing) !== missing && !existsSync(dirname(missing))) missing = dirname(missing);
  try {
    mkdirSync(missing);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT' && (cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
  }
  throw error;
}
