import { rankLanguages } from './rank-languages.js';
import { KNOWN_LANGUAGES } from './languages.js';

/**
 * Why franc: it is the maintained detector the npm ecosystem already uses (wooorm's, MIT, pure
 * JavaScript, no model file to download, ESM, works on Node 20), it covers 180+ languages by trigram
 * statistics and tells scripts apart by their characters, and it can be restricted to the languages
 * narrate has rules and voices for (`only`), which removes most of its confusions on short text
 * (Scots for English, Galician for Portuguese). cld3 and fastText need native builds or model downloads;
 * languagedetect and tinyld cover fewer languages or are unmaintained.
 */

/** What detection concluded. */
export interface DetectedLanguage {
  /** A BCP 47 tag; "en" when detection could not tell. */
  language: string;
  /** False when the text was too short to tell or two languages scored too close: the caller warns. */
  confident: boolean;
  /** Letters looked at. */
  letters: number;
}

/** Below this many letters trigram statistics are unreliable (franc's own docs warn under ~100 characters). */
export const MIN_CONFIDENT_LETTERS = 100;
/** How much text is looked at: enough for a clear verdict, small enough to cost nothing on a long book. */
const SAMPLE_CHARS = 4000;
/** A runner-up this close to the winner (franc scores the best as 1) means the text could be either. */
const AMBIGUOUS_SCORE = 0.95;

const FRANC_TO_TAG = new Map(KNOWN_LANGUAGES.flatMap((l) => l.franc.map((code) => [code, l.tag] as const)));
const ONLY = [...FRANC_TO_TAG.keys()];

/** The language of a text, from a sample of it, as one of the languages narrate knows (English when unsure). */
export function detectLanguage(text: string): DetectedLanguage {
  const sample = text.slice(0, SAMPLE_CHARS);
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  // franc's francAll(sample, { only: ONLY, minLength: 1 }), computed faster (a library submit detects every book).
  const ranked = rankLanguages(sample, ONLY);
  const [best, second] = ranked;
  const tag = best === undefined || best[0] === 'und' ? undefined : FRANC_TO_TAG.get(best[0]);
  if (tag === undefined) return { language: 'en', confident: false, letters };
  // Script-only answers (kana, Hangul, Thai, Hebrew, Arabic) need no statistics: franc returns a single candidate.
  if (second === undefined) return { language: tag, confident: true, letters };
  const close = second[1] >= AMBIGUOUS_SCORE && FRANC_TO_TAG.get(second[0]) !== tag;
  // Short text in Latin letters: trigram counts say little, so keep English rules (and warn) rather than trust
  // a guess; a short text that looks English is simply English. A short text in another script is certainly
  // not English: its script already narrowed the choice (Arabic or Persian), so the better guess stands.
  const latin = sample.match(/\p{Script=Latin}/gu)?.length ?? 0;
  if (letters < MIN_CONFIDENT_LETTERS && latin * 2 >= letters) return { language: 'en', confident: tag === 'en', letters };
  // Two languages close (Spanish and Portuguese can be): take the better one, and warn.
  return { language: tag, confident: !close, letters };
}
