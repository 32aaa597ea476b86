import type { CaptionCue } from './caption-cues.js';

import type { CaptionFormat } from '../../contracts/caption-format.js';

/** Cues as a WebVTT file (W3C WebVTT: a header, then numbered cues with HH:MM:SS.mmm times). Pure. */
export function vttText(cues: readonly CaptionCue[]): string {
  // Cue text is HTML-like in WebVTT: &, < and > are escaped, and "-->" may not appear in it.
  const escape = (line: string) => line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = cues.map((c, i) => `${i + 1}\n${clock(c.startMs, '.')} --> ${clock(c.endMs, '.')}\n${c.lines.map(escape).join('\n')}\n`);
  return `WEBVTT\n\n${body.join('\n')}`;
}

/** Cues as a SubRip file (numbered cues, HH:MM:SS,mmm times, a blank line after each). Pure. */
export function srtText(cues: readonly CaptionCue[]): string {
  return cues.map((c, i) => `${i + 1}\n${clock(c.startMs, ',')} --> ${clock(c.endMs, ',')}\n${c.lines.join('\n')}\n`).join('\n');
}

/** Cues in the format asked for. */
export function captionText(format: CaptionFormat, cues: readonly CaptionCue[]): string {
  return format === 'vtt' ? vttText(cues) : srtText(cues);
}

/** HH:MM:SS.mmm (or with a comma, as SRT writes it). */
function clock(ms: number, separator: '.' | ','): string {
  const whole = Math.max(0, Math.round(ms));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(whole / 3_600_000))}:${pad(Math.floor(whole / 60_000) % 60)}:${pad(Math.floor(whole / 1000) % 60)}${separator}${pad(whole % 1000, 3)}`;
}
