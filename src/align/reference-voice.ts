import { espeakVoice } from '../language/espeak-voice.js';

/**
 * The voice the aligner renders a chunk's sentences with, to compare the reading against. Chosen here
 * and nowhere else, so the reference can follow when the offline voice of a language changes.
 */
export interface ReferenceVoice {
  engine: 'espeak-ng';
  /** espeak-ng's voice name: the book's language, no variant. */
  voice: string;
  /** False when espeak-ng has no voice for the book's language: an English rendering of other words would time nothing. */
  speaksLanguage: boolean;
}

/**
 * espeak-ng's plain voice for the book's language. The narrator's own voice is not imitated: the
 * features compare what is said, after removing each voice's constant colour, and the plain voice is
 * the one espeak-ng's authors tuned each language's timing on.
 */
export function referenceVoice(language: string | undefined): ReferenceVoice {
  // 'alloy' maps to the language's plain espeak voice (en-us for English), with a warning when there is none.
  const chosen = espeakVoice('alloy', language);
  return { engine: 'espeak-ng', voice: chosen.voice, speaksLanguage: chosen.warning === undefined };
}
