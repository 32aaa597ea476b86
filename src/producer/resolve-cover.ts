import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MAX_COVER_BYTES, checkCover, coverTypeOf, type CoverType } from '../finalizer/cover-image.js';
import type { LoadedBook } from './load-book.js';

/**
 * The cover a book gets, checked: --cover (already checked by the caller), else the manifest's
 * `cover:` (refused with the manifest named when it is missing, not an image or too big), else the
 * EPUB's own image, written beside the book as `.<slug>.cover.<ext>` so every worker can read it.
 * An EPUB cover that is not a usable image is left out: the book was not asked to have one.
 */
export async function resolveCover(
  book: LoadedBook,
  flagCover: { path: string; type: CoverType } | undefined,
  outDir: string,
  slug: string,
): Promise<{ path: string; type: CoverType } | undefined> {
  if (flagCover) return flagCover;
  const own = book.finish;
  if (own?.cover !== undefined) return { path: own.cover, type: await checkCover(own.cover, `cover: in ${book.source}:`) };
  const embedded = own?.embeddedCover;
  if (!embedded || embedded.bytes.length > MAX_COVER_BYTES) return undefined;
  const type = coverTypeOf(embedded.bytes.subarray(0, 8));
  if (type === undefined) return undefined;
  await mkdir(outDir, { recursive: true });
  const path = join(resolve(outDir), `.${slug}.cover.${type === 'jpeg' ? 'jpg' : 'png'}`);
  await writeFile(path, embedded.bytes);
  return { path, type };
}

/** Checks --cover once, before any book is read: a bad one stops the whole submission (exit 2). */
export async function checkFlagCover(path: string | undefined): Promise<{ path: string; type: CoverType } | undefined> {
  if (path === undefined) return undefined;
  const absolute = resolve(path);
  return { path: absolute, type: await checkCover(path, '--cover') };
}
