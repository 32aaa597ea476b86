import { isLoudnessPreset } from '../finalizer/loudness-presets.js';
import { LOUDNESS_PRESETS } from '../contracts/loudness-preset-name.js';
import type { FinishChoices } from '../contracts/finish-choices.js';
import { finishConflict } from '../producer/finish-conflict.js';
import type { OutputFormat } from '../contracts/job-data.js';
import { UsageError } from '../errors.js';
import { CAPTION_FORMATS, type CaptionFormat } from '../contracts/caption-format.js';

/** The only value --split takes today. */
export const SPLIT_MODES = ['chapters'] as const;

/** Validates --loudness, --cover, --narrator, --credits/--no-credits, --split, --captions and --readalong, and the combinations that make no sense. */
export function parseFinishFlags(
  flags: { loudness?: string; cover?: string; narrator?: string; credits?: boolean; split?: string; captions?: string; readalong?: boolean },
  format: OutputFormat | undefined,
): FinishChoices {
  const out: FinishChoices = {};
  if (flags.loudness !== undefined) {
    const name = flags.loudness.trim().toLowerCase();
    if (!isLoudnessPreset(name)) throw new UsageError(`--loudness: expected one of ${LOUDNESS_PRESETS.join(', ')}, got "${flags.loudness}"`);
    out.loudness = name;
  }
  if (flags.split !== undefined) {
    if (!(SPLIT_MODES as readonly string[]).includes(flags.split.trim().toLowerCase())) {
      throw new UsageError(`--split: expected ${SPLIT_MODES.join(', ')}, got "${flags.split}"`);
    }
    out.split = true;
  }
  if (flags.captions !== undefined) {
    const format = flags.captions.trim().toLowerCase();
    if (!(CAPTION_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--captions: expected ${CAPTION_FORMATS.join(' or ')}, got "${flags.captions}"`);
    out.captions = format as CaptionFormat;
  }
  if (flags.readalong) out.readalong = true;
  if (flags.cover !== undefined) {
    if (flags.cover.trim() === '') throw new UsageError('--cover: expected an image file (JPEG or PNG), got an empty string');
    out.cover = flags.cover.trim();
  }
  if (flags.narrator !== undefined) {
    if (flags.narrator.trim() === '') throw new UsageError('--narrator: expected a non-empty name');
    out.narrator = flags.narrator.trim();
  }
  if (flags.credits !== undefined) out.credits = flags.credits;
  // WAV has no place for a picture: a cover asked for by name would be silently lost.
  if (out.cover !== undefined && format === 'wav') throw new UsageError('--cover: a WAV file cannot hold a cover image (m4b, m4a, mp3, opus and flac can)');
  const problem = finishConflict(out.loudness, format, out.split);
  if (problem) throw new UsageError(problem);
  return out;
}

