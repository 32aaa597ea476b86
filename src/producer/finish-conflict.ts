import type { OutputFormat } from '../contracts/job-data.js';
import type { LoudnessPresetName } from '../contracts/loudness-preset-name.js';

/**
 * Why a preset, format and split cannot go together, or undefined when they can. ACX takes MP3
 * files, one per chapter, and nothing else. `said` words it for where the choice was made: the
 * command's flags (`--loudness acx`) or the book's own manifest (`loudness acx`).
 */
export function finishConflict(
  loudness: LoudnessPresetName | undefined,
  format: OutputFormat | undefined,
  split: boolean | undefined,
  said: 'flags' | 'book' = 'flags',
): string | undefined {
  const dashes = said === 'flags' ? '--' : '';
  if (loudness === 'acx' && format !== undefined && format !== 'mp3') {
    return `${dashes}loudness acx makes MP3 files, as ACX requires: ${dashes}format ${format} cannot go with it (leave --format out, or use mp3)`;
  }
  if (loudness === 'acx' && split === false) return `${dashes}loudness acx makes one file per chapter, as ACX requires`;
  return undefined;
}
