import { OUTPUT_FORMATS, type OutputFormat } from '../contracts/job-data.js';
import type { SubmitOptions } from '../producer/submit-books.js';
import { languageTagExpectation, parseLanguageTag } from '../language/parse-language-tag.js';
import { isUrl, parseS3Url } from '../store/store-location.js';
import { parseNotesFlag } from './notes-flag.js';
import { redactUrl, webhookUrlProblem } from '../notify/notify-url.js';
import { UsageError } from '../errors.js';
import { parseMaxCost } from './parse-max-cost.js';
import { parseFinishFlags } from './finish-flags.js';

/** Flags shared by `run` and `submit`, as commander hands them over. */
export interface RawSubmitFlags {
  out: string;
  format?: string;
  voice?: string;
  title?: string;
  author?: string;
  maxChars?: string;
  readCode?: boolean;
  notes?: string;
  keepFrontMatter?: boolean;
  style?: string;
  lexicon?: string;
  maxCost?: string;
  notify?: string;
  loudness?: string;
  cover?: string;
  narrator?: string;
  credits?: boolean;
  split?: string;
  captions?: string;
  readalong?: boolean;
  language?: string;
  /** `--cast` alone is true; `--cast auto` or `--cast off`. */
  cast?: string | boolean;
}

/** Smallest and largest --max-chars: below 20 a chunk is a word or two; above 20,000 no model reads it in one go. */
export const MAX_CHARS_RANGE = [20, 20_000] as const;

/** Validates flags into SubmitOptions; every message says which flag, what it takes and what it got. */
export function parseSubmitFlags(flags: RawSubmitFlags, settings: { align?: boolean } = {}): SubmitOptions {
  const options: SubmitOptions = { outDir: flags.out };
  if (flags.out.trim() === '') throw new UsageError('--out: expected a directory, got an empty string');
  // A URL is never taken for a relative path (`--out s3://x` once made a local directory "s3:").
  if (isUrl(flags.out)) {
    if (!/^s3:\/\//i.test(flags.out.trim())) throw new UsageError(`--out: expected a directory or an s3://bucket/prefix/ URL, got "${flags.out}"`);
    try {
      options.outDir = parseS3Url(flags.out).url;
    } catch (error) {
      throw new UsageError(`--out: expected ${(error as Error).message}`);
    }
  }
  if (flags.format !== undefined) {
    const format = flags.format.toLowerCase();
    if (!OUTPUT_FORMATS.includes(format as OutputFormat)) {
      throw new UsageError(`--format: expected one of ${OUTPUT_FORMATS.join(', ')}, got "${flags.format}"`);
    }
    options.format = format as OutputFormat;
  }
  if (flags.maxChars !== undefined) {
    const n = Number(flags.maxChars);
    const [min, max] = MAX_CHARS_RANGE;
    if (!/^\d+$/.test(flags.maxChars.trim()) || n < min || n > max) {
      throw new UsageError(`--max-chars: expected an integer from ${min} to ${max}, got "${flags.maxChars}"`);
    }
    options.maxChars = n;
  }
  for (const key of ['voice', 'title', 'author', 'style', 'lexicon'] as const) {
    const value = flags[key];
    if (value === undefined) continue;
    if (value.trim() === '' && key !== 'author') throw new UsageError(`--${key}: expected a non-empty value`);
    options[key] = value.trim();
  }
  if (flags.readCode) options.readCode = true;
  if (flags.notes !== undefined) options.notes = parseNotesFlag(flags.notes);
  if (flags.keepFrontMatter) options.keepFrontMatter = true;
  if (flags.maxCost !== undefined) options.maxCostUsd = parseMaxCost(flags.maxCost);
  if (flags.notify !== undefined) {
    const problem = webhookUrlProblem(flags.notify.trim());
    // Said without its query or user:password: that is where a receiver's tokens would be.
    if (problem !== undefined) throw new UsageError(`--notify: expected ${problem}, got "${redactUrl(flags.notify.trim())}"`);
    options.notify = flags.notify.trim();
  }
  Object.assign(options, parseFinishFlags(flags, options.format));
  // Captions are made of the sentence timings, which NARRATE_ALIGN=off turns off.
  if (options.captions !== undefined && settings.align === false) throw new UsageError(`--captions ${options.captions}: needs the sentence timings that NARRATE_ALIGN=off turns off; unset NARRATE_ALIGN (or set it to on)`);
  if (options.readalong && settings.align === false) throw new UsageError('--readalong: needs the sentence timings that NARRATE_ALIGN=off turns off; unset NARRATE_ALIGN (or set it to on)');
  if (flags.cast !== undefined) {
    const cast = flags.cast === true ? 'auto' : String(flags.cast).trim().toLowerCase();
    if (cast !== 'auto' && cast !== 'off') throw new UsageError(`--cast: expected auto or off (a map of speakers to voices goes in a manifest's cast:), got "${String(flags.cast)}"`);
    options.cast = cast;
  }
  if (flags.language !== undefined) {
    const language = parseLanguageTag(flags.language);
    if (language === undefined) throw new UsageError(`--language: ${languageTagExpectation(flags.language)}`);
    options.language = language;
  }
  return options;
}
