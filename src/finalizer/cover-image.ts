import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { CoverType } from '../contracts/book-finish.js';

/** Largest cover accepted: stores and players want a picture, not a poster (Apple asks for under 10 MB too). */
export const MAX_COVER_BYTES = 10 * 1024 * 1024;

/** What the first bytes of a file say it is, or undefined when it is neither JPEG nor PNG. */
export function coverTypeOf(head: Buffer): CoverType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  return undefined;
}

/**
 * Checks a cover before anything is queued: present, a JPEG or PNG by its magic bytes, at most 10 MB.
 * Each refusal names the file. `what` says where it came from ("--cover", "cover: in book.yaml").
 */
export async function checkCover(path: string, what = '--cover'): Promise<CoverType> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO given as a cover would otherwise wait for a writer forever (refused below).
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String((error as Error).message);
    throw new InputError(`${what} ${path}: ${reason}`);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new InputError(`${what} ${path}: is a directory, expected a JPEG or PNG image`);
    if (!info.isFile()) throw new InputError(`${what} ${path}: not a regular file, expected a JPEG or PNG image`);
    if (info.size > MAX_COVER_BYTES) {
      throw new InputError(`${what} ${path}: ${(info.size / 1024 / 1024).toFixed(1)} MB, a cover must be at most ${MAX_COVER_BYTES / 1024 / 1024} MB`);
    }
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    const type = coverTypeOf(head.subarray(0, bytesRead));
    if (type === undefined) throw new InputError(`${what} ${path}: not a JPEG or PNG image (it starts with 0x${head.subarray(0, bytesRead).toString('hex')})`);
    return type;
  } finally {
    await handle.close();
  }
}
