import type { Chunk } from '../contracts/book-text.js';

/** Silence after a chunk, by what follows it. Chapters get a long breath, paragraphs a short one. */
export const PAUSES_MS: Readonly<Record<Chunk['pauseAfter'], number>> = Object.freeze({
  none: 0,
  sentence: 250,
  paragraph: 750,
  chapter: 2_000,
});

/** One piece of the finished audio, in order. */
export type TimelineEntry = { kind: 'segment'; index: number } | { kind: 'silence'; ms: number };

/** Where everything lands in the finished book. */
export interface Timeline {
  entries: TimelineEntry[];
  chapters: { title: string; startMs: number; endMs: number }[];
  totalMs: number;
}

/**
 * Lays segments and pauses end to end and times the chapters. The last chunk gets no trailing
 * pause: the book ends when the voice does. Pure, so chapter marks are tested without ffmpeg.
 */
export function planTimeline(
  chapters: { title: string }[],
  chunks: { index: number; chapter: number; pauseAfter: Chunk['pauseAfter']; durationMs: number }[],
): Timeline {
  const entries: TimelineEntry[] = [];
  const starts = new Map<number, number>();
  const ends = new Map<number, number>();
  let at = 0;
  chunks.forEach((chunk, i) => {
    if (!starts.has(chunk.chapter)) starts.set(chunk.chapter, at);
    entries.push({ kind: 'segment', index: chunk.index });
    at += chunk.durationMs;
    ends.set(chunk.chapter, at);
    const pause = i === chunks.length - 1 ? 0 : PAUSES_MS[chunk.pauseAfter];
    if (pause > 0) {
      entries.push({ kind: 'silence', ms: pause });
      at += pause;
    }
  });
  const timed = chapters
    .map((c, i) => ({ title: c.title, startMs: starts.get(i), endMs: ends.get(i) }))
    .filter((c): c is { title: string; startMs: number; endMs: number } => c.startMs !== undefined && c.endMs !== undefined);
  // A chapter runs until the next one starts, so the pause between them belongs to the earlier one.
  for (let i = 0; i < timed.length - 1; i++) timed[i]!.endMs = timed[i + 1]!.startMs;
  return { entries, chapters: timed, totalMs: at };
}
