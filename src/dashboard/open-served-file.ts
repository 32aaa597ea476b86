import { constants } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isUrl } from '../store/store-location.js';
import { AUDIO_TYPES } from './audio-types.js';

/** An open audio file the dashboard may send: inside a served folder, regular, with an audio extension. */
export interface ServedFile {
  handle: FileHandle;
  /** The real path (symlinks resolved). */
  path: string;
  contentType: string;
  size: number;
  mtimeMs: number;
}

/** Why a file is not served: `remote` for a book written to a bucket, `refused` for everything else. */
export type NotServed = { kind: 'remote' | 'refused'; detail: string };

/**
 * Opens the audio file a book's record names, only if its real path (every symlink resolved) lies
 * inside the real path of one of `roots`, it is a regular file and it has an audio extension (or one of `types`:
 * the read-along view reads a book's `.json` manifest through the same guards). The
 * record is not trusted: Redis may have been edited, and anyone who can write into an output folder
 * can plant a symlink there. Refusals all look alike to the client (`detail` is for the log), so the
 * answer never tells whether a path outside the roots exists. The caller closes the handle.
 */
export async function openServedFile(roots: readonly string[], location: string, types: ReadonlyMap<string, string> = AUDIO_TYPES): Promise<ServedFile | NotServed> {
  if (isUrl(location)) return { kind: 'remote', detail: `stored at ${location}` };
  if (!isAbsolute(location)) return { kind: 'refused', detail: `not an absolute path: ${location}` };
  let real: string;
  try {
    real = await realpath(location);
  } catch (error) {
    return { kind: 'refused', detail: `${location}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  const contentType = types.get(extname(real).toLowerCase());
  if (contentType === undefined) return { kind: 'refused', detail: `not ${types === AUDIO_TYPES ? 'an audio file' : `a ${[...types.keys()].join(' or ')} file`}: ${real}` };
  if (!(await insideSomeRoot(roots, real))) return { kind: 'refused', detail: `outside the served folders: ${real}` };

  let handle: FileHandle;
  try {
    // O_NOFOLLOW: a symlink swapped in after realpath is not followed. O_NONBLOCK: a FIFO planted
    // under an audio name cannot hang the open (it is refused below as not a regular file).
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { kind: 'refused', detail: `${real}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw new Error(`not a regular file: ${real}`);
    // A folder on the way swapped for a symlink between realpath and open would have led the open
    // elsewhere: the path must still resolve to itself, and to the very file that was opened.
    const again = await realpath(real);
    const there = await stat(real);
    if (again !== real || there.ino !== opened.ino || there.dev !== opened.dev) throw new Error(`changed while being opened: ${real}`);
    return { handle, path: real, contentType, size: opened.size, mtimeMs: opened.mtimeMs };
  } catch (error) {
    await handle.close().catch(() => undefined);
    return { kind: 'refused', detail: error instanceof Error ? error.message : String(error) };
  }
}

/** Whether `real` lies strictly inside the real path of one of `roots` (roots that do not exist hold nothing). */
async function insideSomeRoot(roots: readonly string[], real: string): Promise<boolean> {
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = await realpath(resolve(root));
    } catch {
      continue;
    }
    if (isInside(realRoot, real)) return true;
  }
  return false;
}

/** Whether `path` lies strictly inside `dir` (both absolute and normalised). Pure. */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
