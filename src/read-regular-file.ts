import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from './errors.js';

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever. It changes
// nothing for a regular file, and anything else is refused once opened (fstat, not stat, so the
// file checked is the file read).
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * Reads a whole file that narrate takes as configuration or input, refusing (InputError
 * "<path>: <reason>") what is missing, not a regular file (a FIFO, /dev/zero, a socket) or larger than
 * `maxBytes`, so no file can make a command hang or fill memory.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw openRefusal(path, error);
  }
  try {
    const info = await handle.stat();
    checkRegular(path, info, maxBytes);
    const reads = readWhole(path, info.size, maxBytes);
    let step = reads.next();
    while (!step.done) step = reads.next((await handle.read(step.value, 0, step.value.length, null)).bytesRead);
    return step.value;
  } finally {
    await handle.close();
  }
}

/** readRegularFile without waiting: for configuration read while a command or a worker starts. */
export function readRegularFileSync(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw openRefusal(path, error);
  }
  try {
    const info = fstatSync(fd);
    checkRegular(path, info, maxBytes);
    const reads = readWhole(path, info.size, maxBytes);
    let step = reads.next();
    while (!step.done) step = reads.next(readSync(fd, step.value, 0, step.value.length, null));
    return step.value;
  } finally {
    closeSync(fd);
  }
}

/** "1 MiB", "256 MiB", "512 KiB": a limit as people read it. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * The reading of a whole file, without the I/O: yields each buffer to fill and takes the bytes read
 * into it (0 at the end), so the async and the sync reader share one loop. Returns the contents.
 */
function* readWhole(path: string, size: number, maxBytes: number): Generator<Buffer, Buffer, number> {
  const chunks: Buffer[] = [];
  let total = 0;
  // Read to one byte past the limit: a file that grew since fstat is refused too, never cut short.
  while (total <= maxBytes) {
    const chunk = Buffer.allocUnsafe(nextChunk(size, total, maxBytes));
    const bytesRead = yield chunk;
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
  }
  if (total > maxBytes) throw tooBig(path, total, maxBytes);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** The next read: the rest of the file as fstat saw it plus one byte (to notice growth), then 64 KiB at a time, never past the limit's byte. */
function nextChunk(size: number, total: number, maxBytes: number): number {
  const left = maxBytes + 1 - total;
  return Math.max(1, Math.min(left, total < size ? size - total + 1 : 64 * 1024));
}

function checkRegular(path: string, info: Stats, maxBytes: number): void {
  if (info.isDirectory()) throw new InputError(`${path}: is a directory, expected a file`);
  if (!info.isFile()) throw new InputError(`${path}: not a regular file (${kindOf(info)}), refused`);
  if (info.size > maxBytes) throw tooBig(path, info.size, maxBytes);
}

function tooBig(path: string, size: number, maxBytes: number): InputError {
  // Past the limit by one byte means "grew while read": its real size is not known then.
  const seen = size > maxBytes + 1 ? `${size.toLocaleString('en-US')} bytes, ` : '';
  return new InputError(`${path}: ${seen}over the ${formatBytes(maxBytes)} limit for this file, refused`);
}

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}

function openRefusal(path: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`${path}: no such file`);
  if (code === 'EACCES' || code === 'EPERM') return new InputError(`${path}: permission denied`);
  if (code === 'EISDIR') return new InputError(`${path}: is a directory, expected a file`);
  if (code === 'ENXIO') return new InputError(`${path}: not a regular file (a socket or a device with nothing behind it), refused`);
  return new InputError(`${path}: cannot read: ${(error as Error).message}`, { cause: error });
}
