import { checkDuration, type DurationOptions } from './expected-duration.js';
import { wordSimilarity } from './word-similarity.js';

/** What came back for one chunk, as far as checking needs it. */
export interface NarrationCheckInput {
  /** The chunk's text, as sent. */
  text: string;
  /** The model's transcript of its own audio. */
  transcript: string;
  /** The provider's `finish_reason`: `stop`, `length`, `content_filter`, ... */
  finishReason: string;
  /** The model's refusal text, if it declined. */
  refusal?: string;
  /** Length of the decoded audio. */
  durationMs: number;
}

/** How strict the check is. */
export interface NarrationCheckOptions extends DurationOptions {
  /** Lowest word similarity accepted as a faithful reading. Default 0.9. */
  threshold?: number;
  /** The book's language (BCP 47): word boundaries and numbers follow it. Default English. */
  language?: string;
  /**
   * False when the provider returned no transcript (the speech endpoint): the words cannot be
   * compared, so the reading is judged by finish_reason and duration alone, and its similarity is
   * reported as 1 (as for the offline voice, which reads exactly its text). Default true.
   */
  words?: boolean;
}

/** Why a segment was rejected. */
export type NarrationFailureReason = 'cut-off' | 'refused' | 'unfaithful' | 'duration';

/** The verdict on one segment: accepted, or rejected with a reason a log line can show. */
export type NarrationCheck =
  | { ok: true; similarity: number }
  | { ok: false; reason: NarrationFailureReason; similarity: number; detail: string };

/** Word similarity below this means the model did not read the text: most often it answered it. */
export const DEFAULT_SIMILARITY_THRESHOLD = 0.9;

const EXCERPT_CHARS = 80;
const LISTED_WORDS = 5;

/** Accepts a segment only if the model read the whole text, word for word, at a plausible length. */
export function checkNarration(input: NarrationCheckInput, options: NarrationCheckOptions = {}): NarrationCheck {
  const threshold = options.threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new RangeError(`Expected \`threshold\` to be a number from 0 to 1, got \`${String(threshold)}\` (${typeof threshold})`);
  }
  const { score: similarity, missing, extra } =
    options.words === false ? { score: 1, missing: [], extra: [] } : wordSimilarity(input.text, input.transcript, options.language === undefined ? {} : { language: options.language });
  const refusal = input.refusal?.trim() ?? '';

  // A refusal comes first: its transcript (if any) is the refusal, so "unfaithful" would hide the cause.
  if (refusal !== '' || input.finishReason === 'content_filter') {
    const detail =
      refusal !== '' ? `model refused: "${excerpt(refusal)}"` : `finish_reason content_filter: the provider's filter stopped the reading`;
    return { ok: false, reason: 'refused', similarity, detail };
  }
  if (input.finishReason === 'length') {
    return {
      ok: false,
      reason: 'cut-off',
      similarity,
      detail: `finish_reason length: the reading hit the token limit; heard "${excerpt(input.transcript)}"`,
    };
  }
  if (similarity < threshold) {
    return {
      ok: false,
      reason: 'unfaithful',
      similarity,
      detail:
        `similarity ${similarity.toFixed(3)} < ${threshold}; ${missing.length} words missing${listed(missing)}, ` +
        `${extra.length} extra${listed(extra)}; expected "${excerpt(input.text)}", heard "${excerpt(input.transcript)}"`,
    };
  }
  const durationOptions: DurationOptions = {};
  if (options.charsPerSecond !== undefined) durationOptions.charsPerSecond = options.charsPerSecond;
  if (options.minRatio !== undefined) durationOptions.minRatio = options.minRatio;
  if (options.maxRatio !== undefined) durationOptions.maxRatio = options.maxRatio;
  const duration = checkDuration(input.text, input.durationMs, durationOptions);
  if (!duration.ok) {
    return {
      ok: false,
      reason: 'duration',
      similarity,
      detail:
        `audio lasts ${seconds(input.durationMs)} for ${input.text.length} characters, about ${seconds(duration.expectedMs)} expected ` +
        `(ratio ${duration.ratio.toFixed(2)})`,
    };
  }
  return { ok: true, similarity };
}

/** The first characters of a text on one line, so a log shows what was expected and what was said. */
function excerpt(text: string): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  const chars = [...flat];
  return chars.length <= EXCERPT_CHARS ? flat : `${chars.slice(0, EXCERPT_CHARS).join('')}…`;
}

function listed(words: readonly string[]): string {
  if (words.length === 0) return '';
  const shown = words.slice(0, LISTED_WORDS).join(' ');
  return ` (${shown}${words.length > LISTED_WORDS ? ' …' : ''})`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
