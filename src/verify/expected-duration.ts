/** Bounds on how long a reading of a chunk may last. */
export interface DurationOptions {
  /** Speaking rate the estimate assumes, counting spaces and punctuation. Default 15 (about 160 words a minute). */
  charsPerSecond?: number;
  /** Shortest acceptable audio as a fraction of the estimate. Default 0.3. */
  minRatio?: number;
  /** Longest acceptable audio as a multiple of the estimate (or of the short-text floor). Default 3. */
  maxRatio?: number;
}

/** The verdict on one segment's length. */
export interface DurationCheck {
  ok: boolean;
  /** What the text should take to read at `charsPerSecond`. */
  expectedMs: number;
  /** Actual ÷ expected duration; for very short texts `ok` may hold above `maxRatio` (see SHORT_TEXT_FLOOR_MS). */
  ratio: number;
}

/** A measured audiobook pace: about 160 words a minute. */
export const DEFAULT_CHARS_PER_SECOND = 15;
/** Below this share of the estimate, words were skipped or the audio was cut. */
export const DEFAULT_MIN_RATIO = 0.3;
/** Above this multiple, the model added speech or long silences. */
export const DEFAULT_MAX_RATIO = 3;
/**
 * The upper bound never uses an estimate below this: the model pads every reading with silence and a
 * heading like "Chapter I." is said slowly, so a 0.7 s estimate times three would reject a normal reading.
 */
export const SHORT_TEXT_FLOOR_MS = 1500;

/** Whether `durationMs` of audio is a plausible reading of `text`: catches silence, truncation and rambling. */
export function checkDuration(text: string, durationMs: number, options: DurationOptions = {}): DurationCheck {
  const charsPerSecond = positive('charsPerSecond', options.charsPerSecond ?? DEFAULT_CHARS_PER_SECOND);
  const minRatio = nonNegative('minRatio', options.minRatio ?? DEFAULT_MIN_RATIO);
  const maxRatio = positive('maxRatio', options.maxRatio ?? DEFAULT_MAX_RATIO);
  if (minRatio > maxRatio) throw new RangeError(`Expected \`minRatio\` (${minRatio}) to be at most \`maxRatio\` (${maxRatio})`);
  // Code points, not UTF-16 units, and runs of whitespace count once: line breaks are not read aloud.
  const chars = [...text.replace(/\s+/gu, ' ').trim()].length;
  const expectedMs = Math.round((chars / charsPerSecond) * 1000);
  const ratio = durationMs / Math.max(expectedMs, 1);
  const ok =
    Number.isFinite(durationMs) &&
    durationMs > 0 &&
    durationMs >= expectedMs * minRatio &&
    durationMs <= Math.max(expectedMs, SHORT_TEXT_FLOOR_MS) * maxRatio;
  return { ok, expectedMs, ratio };
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Expected \`${name}\` to be a finite number > 0, got \`${String(value)}\` (${typeof value})`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`Expected \`${name}\` to be a finite number >= 0, got \`${String(value)}\` (${typeof value})`);
  }
  return value;
}
