import { basename, dirname, extname, resolve } from 'node:path';
import { InputError, coerceError } from '../errors.js';
import { readConfigFile } from '../read-config-file.js';
import { readRegularFile } from '../read-regular-file.js';
import type { DeclaredLanguage } from '../language/resolve-language.js';
import { bookManifestSchema, type BookManifest } from './book-manifest.js';
import type { Chapter } from '../contracts/book-text.js';
import type { ReadingOptions } from './epub/reading-options.js';
import { parseDocument } from './parse-document.js';
import { epubFinishChoices, manifestFinishChoices, type BookFinishChoices } from './book-finish-choices.js';

/** A book read from disk, before chunking. */
export interface LoadedBook {
  /** The path the user named (a text file or a manifest). */
  source: string;
  title: string;
  author: string;
  /** The language the book declares (its manifest's `language:`, EPUB `dc:language`, Markdown front matter), as written. */
  language?: string;
  /** Ruby readings (base → reading), offered to the model as pronunciation hints, never read inline. */
  readings?: ReadonlyMap<string, string>;
  /** Where `language` was declared; resolveLanguage validates it and falls back to detection. */
  languageFrom?: DeclaredLanguage['from'];
  chapters: Chapter[];
  /** Settings a manifest chose; flags win over them. */
  voice?: string;
  style?: string;
  format?: BookManifest['format'];
  maxChars?: number;
  /** Its manifest's `cast:`: auto, off, or speaker → voice. */
  cast?: BookManifest['cast'];
  /** Spending cap in dollars, from its manifest's maxCost. */
  maxCost?: number;
  /** The book's own pronunciation lexicon (absolute path), from its manifest. */
  lexicon?: string;
  /** Every file read, for the book's manifest. */
  files: string[];
  /** Loudness, tags, cover and shape the book itself asks for (manifest fields, an EPUB's cover). */
  finish?: BookFinishChoices;
}

/** The reading choices among submit's options (`--read-code`, `--notes`, `--keep-front-matter`), those set only. */
export function readingChoices(options: Partial<ReadingOptions>): Partial<ReadingOptions> {
  return {
    ...(options.readCode === true ? { readCode: true } : {}),
    ...(options.notes === undefined ? {} : { notes: options.notes }),
    ...(options.keepFrontMatter === true ? { keepFrontMatter: true } : {}),
  };
}

const MANIFEST_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

/** Whether a path names a job manifest rather than a text. */
export function isManifestPath(path: string): boolean {
  return MANIFEST_EXTENSIONS.has(extname(path).toLowerCase());
}

/** Reads one book: a text file (txt, md, epub) or a manifest of chapter files. */
export async function loadBook(path: string, options: Partial<ReadingOptions> = {}): Promise<LoadedBook> {
  return isManifestPath(path) ? loadManifestBook(path, options) : loadTextBook(path, options);
}

async function loadTextBook(path: string, options: Partial<ReadingOptions>): Promise<LoadedBook> {
  const fallbackTitle = titleFromFileName(path);
  const input = await readInput(path);
  const text = await parseDocument(input, basename(path), { fallbackTitle, ...options });
  return {
    ...(extname(path).toLowerCase() === '.epub' ? await epubFinishChoices(input, basename(path)) : {}),
    source: path,
    title: text.title ?? fallbackTitle,
    author: text.author ?? '',
    ...(text.readings === undefined ? {} : { readings: text.readings }),
    ...(text.language === undefined ? {} : { language: text.language, languageFrom: extname(path).toLowerCase() === '.epub' ? 'epub' : 'front matter' }),
    chapters: text.chapters,
    files: [resolve(path)],
  };
}

async function loadManifestBook(path: string, flags: Partial<ReadingOptions>): Promise<LoadedBook> {
  const manifest = readManifest(path);
  // What to read: the manifest's choices, unless a flag says otherwise.
  const options: Partial<ReadingOptions> = {
    ...(manifest.notes === undefined ? {} : { notes: manifest.notes }),
    ...(manifest.keepFrontMatter === undefined ? {} : { keepFrontMatter: manifest.keepFrontMatter }),
    ...flags,
  };
  const base = dirname(path);
  const chapters: Chapter[] = [];
  const files: string[] = [];
  for (const entry of manifest.chapters) {
    const spec = typeof entry === 'string' ? { file: entry } : entry;
    const file = resolve(base, spec.file);
    const fallbackTitle = spec.title ?? titleFromFileName(file);
    let text;
    try {
      text = await parseDocument(await readInput(file), basename(file), { fallbackTitle, ...options });
    } catch (error) {
      throw new InputError(`${path}: chapter "${spec.file}": ${coerceError(error).message}`, { cause: error });
    }
    // A manifest chapter is one chapter, whatever headings its file holds: they are read as paragraphs.
    const paragraphs = text.chapters.flatMap((c) => c.paragraphs);
    const title = spec.title ?? text.chapters[0]?.title ?? fallbackTitle;
    // A title given in the manifest is heard at the chapter's start unless the file already opens with it.
    if (spec.title !== undefined && paragraphs[0] !== spec.title) paragraphs.unshift(spec.title);
    chapters.push({ title, paragraphs });
    files.push(file);
  }
  return {
    source: path,
    title: manifest.title,
    author: manifest.author ?? '',
    chapters,
    files: [resolve(path), ...files],
    ...(manifest.voice === undefined ? {} : { voice: manifest.voice }),
    ...(manifest.style === undefined ? {} : { style: manifest.style }),
    ...(manifest.format === undefined ? {} : { format: manifest.format }),
    ...(manifest.maxChars === undefined ? {} : { maxChars: manifest.maxChars }),
    ...(manifest.lexicon === undefined ? {} : { lexicon: resolve(base, manifest.lexicon) }),
    ...(manifest.maxCost === undefined ? {} : { maxCost: manifest.maxCost }),
    ...(manifest.cast === undefined ? {} : { cast: manifest.cast }),
    ...manifestFinishChoices(manifest, base),
    ...(manifest.language === undefined ? {} : { language: manifest.language, languageFrom: 'manifest' }),
  };
}

/** Largest job manifest read: a list of chapter files and a few settings. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;

/**
 * Largest book input read (a text, Markdown or EPUB file, or a manifest's chapter file), which is
 * read whole: the longest novels are a few megabytes of text, an illustrated EPUB some tens.
 */
export const BOOK_INPUT_MAX_BYTES = 256 * 1024 * 1024;

/** Reads and validates a job manifest, with messages that name the file and its first problem. */
export function readManifest(path: string): BookManifest {
  return readConfigFile(path, { schema: bookManifestSchema, invalid: 'invalid manifest', maxBytes: MANIFEST_MAX_BYTES });
}

async function readInput(path: string): Promise<Buffer> {
  return readRegularFile(path, BOOK_INPUT_MAX_BYTES);
}

/** "02-the-storm.md" → "02 The Storm": a readable title when the document names none. */
export function titleFromFileName(path: string): string {
  const name = basename(path, extname(path)).replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (name === '') return 'Untitled';
  // Only lower-case words are capitalised: "iOS notes" and "NASA" keep their own spelling.
  return name.replace(/(^|\s)(\p{Ll})(\p{Ll}*)(?=\s|$)/gu, (_m, space: string, first: string, rest: string) => `${space}${first.toUpperCase()}${rest}`);
}
