import type { Chunk } from '../contracts/book-text.js';
import { PAUSES_MS } from './plan-timeline.js';

/** One stretch of a part's PCM: a segment, or silence, in samples at the book's rate. */
export type PartEntry = { kind: 'segment'; index: number; samples: number } | { kind: 'silence'; samples: number };

/** A part's PCM, laid out. */
export interface PartLayout {
  entries: PartEntry[];
  samples: number;
  headSamples: number;
  tailSamples: number;
}

/** Samples of the pause after a chunk, at `rate`. */
export function pauseSamples(pause: Chunk['pauseAfter'], rate: number): number {
  return Math.round((PAUSES_MS[pause] * rate) / 1000);
}

/**
 * Lays out one part: the second half of the pause before it, its segments with the pauses between
 * them, and the first half of the pause after it, that half grown by less than `grid` samples so the
 * part fills whole coded frames (the book's last part ends with its voice, any length). A join thus
 * always falls inside a pause, and the pause at a join is at most grid-1 samples longer than
 * planned; the timeline is computed from these numbers, so chapter marks stay exact. Pure.
 */
export function layoutPart(options: {
  chunks: readonly { index: number; pauseAfter: Chunk['pauseAfter']; samples: number }[];
  pauseBefore: Chunk['pauseAfter'] | undefined;
  last: boolean;
  rate: number;
  /** Book samples a non-last part's length must be a multiple of (1: any length). */
  grid: number;
  /**
   * Room tone (ms) at the head and tail of every chapter (ACX: each chapter is a file of its own):
   * before the book's first chunk and after its last, and in place of the halves of the pause
   * between two chapters. None by default.
   */
  roomTone?: { headMs: number; tailMs: number };
}): PartLayout {
  const { chunks, rate, grid } = options;
  const entries: PartEntry[] = [];
  const before = options.pauseBefore === undefined ? 0 : pauseSamples(options.pauseBefore, rate);
  // The earlier part keeps the larger half (ceil): the pause's split points agree from both sides.
  const tone = options.roomTone;
  const chapterHead = tone !== undefined && (options.pauseBefore === undefined || options.pauseBefore === 'chapter');
  const headSamples = chapterHead ? Math.round((tone.headMs * rate) / 1000) : before - Math.ceil(before / 2);
  if (headSamples > 0) entries.push({ kind: 'silence', samples: headSamples });
  let at = headSamples;
  chunks.forEach((c, i) => {
    entries.push({ kind: 'segment', index: c.index, samples: c.samples });
    at += c.samples;
    if (i < chunks.length - 1) {
      const pause = pauseSamples(c.pauseAfter, rate);
      if (pause > 0) entries.push({ kind: 'silence', samples: pause });
      at += pause;
    }
  });
  const lastChunk = chunks[chunks.length - 1];
  let tailSamples = !options.last && lastChunk ? Math.ceil(pauseSamples(lastChunk.pauseAfter, rate) / 2) : 0;
  const chapterTail = tone !== undefined && (options.last || lastChunk?.pauseAfter === 'chapter');
  if (chapterTail) tailSamples = Math.round((tone.tailMs * rate) / 1000);
  tailSamples += (grid - ((at + tailSamples) % grid)) % grid;
  if (tailSamples > 0) entries.push({ kind: 'silence', samples: tailSamples });
  return { entries, samples: at + tailSamples, headSamples, tailSamples };
}
