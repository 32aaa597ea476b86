import { z } from 'zod';
import { LOUDNESS_PRESETS } from '../contracts/loudness-preset-name.js';
import { languageTagExpectation, parseLanguageTag } from '../language/parse-language-tag.js';
import { OUTPUT_FORMATS } from '../contracts/job-data.js';
import { NOTES_MODES } from './epub/reading-options.js';

/** A job manifest (JSON or YAML, as in jobs/): one book from an ordered list of chapter files. */
export const bookManifestSchema = z.strictObject({
  title: z.string().trim().min(1, 'a non-empty title'),
  author: z.string().trim().optional(),
  voice: z.string().trim().min(1).optional(),
  /** Voice style appended to the narration instructions, e.g. "warm and unhurried". */
  style: z.string().trim().min(1).optional(),
  format: z.enum(OUTPUT_FORMATS as ['m4b', 'm4a', 'mp3', 'opus', 'flac', 'wav']).optional(),
  maxChars: z.number().int().min(20).max(20_000).optional(),
  /** A pronunciation lexicon for this book (JSON or YAML map of word → spoken form), relative to the manifest. */
  lexicon: z.string().trim().min(1).optional(),
  /** Footnotes and endnotes of EPUB chapters: skip (default) or read at each chapter's end (`--notes`). */
  notes: z.enum(NOTES_MODES).optional(),
  /** Read copyright, imprint, colophon and title pages of EPUB chapters (`--keep-front-matter`). */
  keepFrontMatter: z.boolean().optional(),
  /** Spending cap for this book in US dollars (as --max-cost): refused at submit when the estimate exceeds it, stopped when spent. */
  maxCost: z.number().positive('a positive number of dollars').finite().optional(),
  /** Loudness preset: audiobook (default), podcast, acx or off. */
  loudness: z.enum(LOUDNESS_PRESETS).optional(),
  /** A JPEG or PNG cover, relative to the manifest. */
  cover: z.string().trim().min(1).optional(),
  /** Who reads it (default: the voice's name). */
  narrator: z.string().trim().min(1).optional(),
  year: z.union([z.string().trim().min(1), z.number().int()]).transform(String).optional(),
  description: z.string().trim().min(1).optional(),
  publisher: z.string().trim().min(1).optional(),
  /** Opening and closing credits (default: on with acx, off otherwise). */
  credits: z.boolean().optional(),
  /** `chapters`: one file per chapter. */
  split: z.enum(['chapters']).optional(),
  /** Captions of every sentence (`--captions`): vtt or srt. */
  captions: z.enum(['vtt', 'srt']).optional(),
  /** A read-along EPUB beside the book (`--readalong`). */
  readalong: z.boolean().optional(),
  /** The book's language, a BCP 47 tag (en, fr, pt-BR, ja); unset: detected from the text. */
  language: z
    .string()
    .trim()
    .refine((value) => parseLanguageTag(value) !== undefined, { error: (issue) => languageTagExpectation(String(issue.input)) })
    .transform((value) => parseLanguageTag(value) ?? value)
    .optional(),
  /**
   * Dialogue read by the characters' voices: `auto` (voices chosen for every speaker), `off`, or a map
   * of speaker → voice (`{ narrator: alloy, Alice: shimmer, "The Queen": fable }`), speakers it does not
   * name getting the provider's other voices.
   */
  cast: z
    .union([z.enum(['auto', 'off']), z.record(z.string().trim().min(1, 'a speaker name'), z.string().trim().min(1, 'a voice name'))])
    .optional(),
  /** Chapter files, relative to the manifest; a title here overrides the file's own heading. */
  chapters: z
    .array(z.union([z.string().min(1), z.strictObject({ file: z.string().min(1), title: z.string().trim().min(1).optional() })]))
    .min(1, 'at least one chapter file'),
});

export type BookManifest = z.infer<typeof bookManifestSchema>;
