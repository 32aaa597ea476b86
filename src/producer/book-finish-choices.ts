import { resolve } from 'node:path';
import type { LoudnessPresetName } from '../contracts/loudness-preset-name.js';
import type { BookManifest } from './book-manifest.js';
import { readEpubCover } from './epub/read-cover.js';

/** What a book itself says about how it is finished: a manifest's fields, an EPUB's own cover. */
export interface BookFinishChoices {
  loudness?: LoudnessPresetName;
  /** Absolute path of a cover the manifest names. */
  cover?: string;
  /** The EPUB's own cover image, used when neither --cover nor a manifest names one. */
  embeddedCover?: { bytes: Buffer; path: string };
  narrator?: string;
  year?: string;
  description?: string;
  publisher?: string;
  credits?: boolean;
  split?: boolean;
  captions?: 'vtt' | 'srt';
  readalong?: boolean;
}

/** The finishing fields of a manifest; a cover is resolved against the manifest's directory. */
export function manifestFinishChoices(manifest: BookManifest, base: string): { finish: BookFinishChoices; language?: string } {
  const finish: BookFinishChoices = {};
  if (manifest.loudness !== undefined) finish.loudness = manifest.loudness;
  if (manifest.cover !== undefined) finish.cover = resolve(base, manifest.cover);
  for (const key of ['narrator', 'year', 'description', 'publisher'] as const) {
    const value = manifest[key];
    if (value !== undefined) finish[key] = value;
  }
  if (manifest.credits !== undefined) finish.credits = manifest.credits;
  if (manifest.split !== undefined) finish.split = true;
  if (manifest.captions !== undefined) finish.captions = manifest.captions;
  if (manifest.readalong !== undefined) finish.readalong = manifest.readalong;
  return { finish, ...(manifest.language === undefined ? {} : { language: manifest.language }) };
}

/** An EPUB's own cover, when it declares one (a broken declaration is no cover, never a failed book). */
export async function epubFinishChoices(buf: Buffer, name: string): Promise<{ finish: BookFinishChoices }> {
  const cover = await readEpubCover(buf, name).catch(() => undefined);
  return { finish: cover ? { embeddedCover: cover } : {} };
}
