import { copyFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { MAX_COVER_BYTES, checkCover, coverTypeOf } from '../finalizer/cover-image.js';
import type { CoverType, BookCover } from '../contracts/book-finish.js';
import { withBookOutput, type OpenBookOutput } from '../store/open-book-output.js';
import type { LoadedBook } from './load-book.js';

/**
 * The cover a book gets, checked: --cover (already checked by the caller), else the manifest's
 * `cover:` (refused with the manifest named when it is missing, not an image or too big), else the
 * EPUB's own image. An EPUB cover that is not a usable image is left out: the book was not asked
 * to have one. With `outputs` (submit, not plan) the cover is published into the book's output as
 * `.<slug>.cover.<ext>` (a directory or an s3:// --out), so a worker on any host can read it.
 */
export async function resolveCover(
  book: LoadedBook,
  flagCover: { path: string; type: CoverType } | undefined,
  outDir: string,
  slug: string,
  outputs?: OpenBookOutput,
): Promise<BookCover | undefined> {
  const own = book.finish;
  let found: { type: CoverType; path?: string; bytes?: Buffer } | undefined;
  if (flagCover) found = flagCover;
  else if (own?.cover !== undefined) found = { path: own.cover, type: await checkCover(own.cover, `cover: in ${book.source}:`) };
  else {
    const embedded = own?.embeddedCover;
    if (!embedded || embedded.bytes.length > MAX_COVER_BYTES) return undefined;
    const type = coverTypeOf(embedded.bytes.subarray(0, 8));
    if (type === undefined) return undefined;
    found = { type, bytes: embedded.bytes };
  }
  if (!outputs) return found.path === undefined ? undefined : { path: resolve(found.path), type: found.type };
  const name = `.${slug}.cover.${found.type === 'jpeg' ? 'jpg' : 'png'}`;
  const { path, bytes, type } = found;
  const location = await withBookOutput(outputs, outDir, async (out) => {
    const scratch = await out.scratchPath(name);
    if (bytes) await writeFile(scratch, bytes);
    else await copyFile(path!, scratch);
    return out.publish(scratch, name);
  });
  return { path: location, name, type };
}

/** Checks --cover once, before any book is read: a bad one stops the whole submission (exit 2). */
export async function checkFlagCover(path: string | undefined): Promise<{ path: string; type: CoverType } | undefined> {
  if (path === undefined) return undefined;
  const absolute = resolve(path);
  try {
    return { path: absolute, type: await checkCover(path, '--cover') };
  } catch (error) {
    // The same check fails only its book for a manifest's cover; the flag is a setting of the whole command.
    if (error instanceof InputError && !(error instanceof UsageError)) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}
