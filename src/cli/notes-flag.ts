import { NOTES_MODES } from '../producer/epub/reading-options.js';
import { UsageError } from '../errors.js';

/** `--notes end|skip`: whether footnotes and endnotes are read at the end of their chapter. */
export function parseNotesFlag(value: string): (typeof NOTES_MODES)[number] {
  const mode = value.trim().toLowerCase();
  if (!(NOTES_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--notes: expected one of ${NOTES_MODES.join(', ')}, got "${value}"`);
  }
  return mode as (typeof NOTES_MODES)[number];
}
