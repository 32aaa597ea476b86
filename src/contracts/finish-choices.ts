import type { CaptionFormat } from './caption-format.js';
import type { LoudnessPresetName } from './loudness-preset-name.js';

/** How a book is to be finished, as `run` and `submit` were asked (flags, checked); a manifest's own choices fill the rest. */
export interface FinishChoices {
  loudness?: LoudnessPresetName;
  cover?: string;
  narrator?: string;
  credits?: boolean;
  split?: boolean;
  captions?: CaptionFormat;
  /** A read-along EPUB (EPUB 3 with Media Overlays) beside the book. */
  readalong?: boolean;
}
