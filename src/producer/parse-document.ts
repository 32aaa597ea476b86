import { extname } from 'node:path';
import { InputError } from '../errors.js';
import type { BookText } from '../contracts/book-text.js';
import { decodeText } from './decode-text.js';
import { findChapters } from './find-chapters.js';
import { frontMatterLanguage } from '../language/front-matter-language.js';
import { markdownToText } from './markdown-to-text.js';
import { normalizeText } from './normalize-text.js';
import type { ReadingOptions } from './epub/reading-options.js';
import { readEpub } from './read-epub.js';
import { stripGluedNoteNumbers } from './strip-glued-note-numbers.js';
import { stripGutenberg } from './strip-gutenberg.js';

/** How a document is read. */
export interface ParseOptions {
  /** Title for a document that names none (no Gutenberg "Title:", no headings). Default: the file name. */
  fallbackTitle?: string;
  /** Read Markdown code blocks and EPUB code listings aloud instead of skipping them. Default false. */
  readCode?: boolean;
  /** EPUB footnotes and endnotes: skipped (default) or read at the end of their chapter. */
  notes?: ReadingOptions['notes'];
  /** Read EPUB publisher pages (copyright, imprint, colophon, title pages, Gutenberg's licence). Default false. */
  keepFrontMatter?: boolean;
}

/** Reads a .txt/.text, .md/.markdown or .epub file into chapters, by its extension. */
export async function parseDocument(buf: Buffer, name: string, options: ParseOptions = {}): Promise<BookText> {
  const extension = extname(name).toLowerCase();
  const fallbackTitle = options.fallbackTitle ?? (name.slice(0, name.length - extension.length) || name);
  let book: BookText;
  switch (extension) {
    case '.txt':
    case '.text':
      book = plainText(decodeText(buf, name), fallbackTitle);
      break;
    case '.md':
    case '.markdown': {
      const markdown = normalizeLineEndings(decodeText(buf, name));
      book = markdownToText(markdown, { fallbackTitle, readCode: options.readCode ?? false });
      const language = frontMatterLanguage(markdown);
      if (language !== undefined) book.language = language;
      break;
    }
    case '.epub':
      book = await readEpub(buf, name, {
        readCode: options.readCode ?? false,
        notes: options.notes ?? 'skip',
        keepFrontMatter: options.keepFrontMatter ?? false,
      });
      break;
    default:
      throw new InputError(`${name}: unsupported file type "${extension || '(none)'}"; expected .txt, .text, .md, .markdown or .epub`);
  }
  const readable = book.chapters.some((chapter) => chapter.paragraphs.some((paragraph) => /[\p{L}\p{N}]/u.test(paragraph)));
  if (!readable) throw new InputError(`${name}: no readable text`);
  return book;
}

function plainText(decoded: string, fallbackTitle: string): BookText {
  const { text, title, author } = stripGutenberg(normalizeText(decoded));
  return {
    ...(title === undefined ? {} : { title }),
    ...(author === undefined ? {} : { author }),
    // Note numbers glued to words ("dust.30", "Savannah1") are marks, not words: never read.
    chapters: findChapters(text, title ?? fallbackTitle).map((chapter) => ({ ...chapter, paragraphs: chapter.paragraphs.map(stripGluedNoteNumbers) })),
  };
}

// Markdown keeps its indentation (code blocks, nested lists), so only line endings and NFC are fixed here.
function normalizeLineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n').normalize('NFC');
}
