import { chunkTotals, type ChunkTotals } from '../queue/chunk-totals.js';
import type { CastCost, FinalizeJobData, SynthesizeResult } from '../contracts/job-data.js';
import type { BookSentence } from '../align/book-sentence.js';
import type { LoudnessReport } from './book-mastering-report.js';
import { chunkAlignmentSummary } from './book-sentences.js';
import type { CastMember } from '../cast/cast-voices.js';

/** A chapter's own levels, merged from its parts' measurements: integrated loudness (LUFS), true peak (dBTP), RMS (dBFS). */
export interface ChapterLoudness {
  integrated: number;
  truePeak: number;
  rms: number;
}

/** The `<slug>.json` written beside every book: what is in it and what it cost. */
export interface BookReport {
  bookId: string;
  title: string;
  author: string;
  /** The book's language (BCP 47), as narrated and tagged. */
  language: string;
  provider: string;
  model: string;
  voice: string;
  format: string;
  output: string;
  durationMs: number;
  createdAt: string;
  sources: string[];
  /** Each chapter's place in the book and, for an encoded book, its own file (usable as soon as it was encoded). */
  chapters: { title: string; startMs: number; endMs: number; file?: string; loudness?: ChapterLoudness; captions?: string }[];
  /** The book's captions (--captions vtt|srt), timed on the book's own timeline. */
  captions?: string;
  /** The book's read-along EPUB (--readalong): where it is. */
  readalong?: string;
  /** The book's cast when its dialogue is read by the characters' voices: the narrator first, then speakers by lines. */
  cast?: CastMember[];
  /** What attributing the cast's quotations cost, paid once at submit: part of the book's cost, apart from its chunks' (totals). */
  castCost?: CastCost;
  chunks: {
    index: number;
    chapter: number;
    /** Who speaks it (a cast's character); absent for the narrator. */
    speaker?: string;
    /** The voice its segment was read with, as the worker recorded it. */
    voice?: string;
    chars: number;
    durationMs: number;
    /** Model calls this run made for the chunk (0 when its segment was already stored). */
    attempts: number;
    cached: boolean;
    similarity: number;
    /** 'duration' when the provider returned no transcript: the words were not compared, only the length. */
    checkedBy?: 'duration';
    rejections: SynthesizeResult['rejections'];
    usage: SynthesizeResult['usage'];
    /** Dollars this chunk's model calls cost in this run, rejected readings included. */
    costUsd: number;
    rejectedCostUsd: number;
    /** Where the chunk's voice sits on the book's timeline, and the mastering gain its segment got (dB). */
    startMs?: number;
    endMs?: number;
    gainDb?: number;
    /** How the reading aligned with its sentences: cost (≈0.6 for a reading of the text), mean confidence (0..1), the reference voice. */
    alignment?: { cost: number; confidence: number; reference: string };
    /** Why the chunk has no sentence timings although alignment was on ("alignment failed: …"): its sentences are missing from `sentences`, the captions and the read-along. */
    unaligned?: string;
  }[];
  /** Every aligned sentence on the book's timeline (absent with NARRATE_ALIGN=off). */
  sentences?: BookSentence[];
  /** The loudness preset and what ffmpeg's ebur128 measured on the finished file. */
  loudness?: LoudnessReport;
  totals: ChunkTotals;
}

/** Builds the manifest from the book's plan, its chunks' results and the timeline. Pure. */
export function bookReport(
  book: FinalizeJobData,
  results: SynthesizeResult[],
  timeline: { chapters: { title: string; startMs: number; endMs: number; file?: string; loudness?: ChapterLoudness; captions?: string }[]; totalMs: number },
  output: string,
  mastering: { loudness?: LoudnessReport; times?: Map<number, { startMs: number; endMs: number }>; gains?: Map<number, number> } = {},
  read: { sentences?: BookSentence[]; captions?: string; readalong?: string } = {},
): BookReport {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const chunks = book.chunks.map((c) => {
    const r = byIndex.get(c.index);
    if (!r) throw new Error(`chunk ${c.index} has no result`);
    const voice = r.voice ?? c.voice;
    return { index: c.index, chapter: c.chapter, ...(c.speaker === undefined ? {} : { speaker: c.speaker }), ...(voice === undefined ? {} : { voice }), chars: r.chars, durationMs: r.durationMs, attempts: r.calls, cached: r.cached, similarity: r.similarity, ...(r.checkedBy ? { checkedBy: r.checkedBy } : {}), rejections: r.rejections, usage: r.usage, costUsd: r.costUsd ?? 0, rejectedCostUsd: r.rejectedCostUsd ?? 0, ...mastering.times?.get(c.index), ...(mastering.gains?.has(c.index) ? { gainDb: mastering.gains.get(c.index)! } : {}), ...chunkAlignmentSummary(r.timings), ...(r.unaligned === undefined || r.timings !== undefined ? {} : { unaligned: r.unaligned }) };
  });
  const first = results[0];
  return {
    bookId: book.bookId,
    title: book.title,
    author: book.author,
    language: book.language,
    provider: first?.provider ?? '',
    model: first?.model ?? '',
    voice: book.voice,
    format: book.format,
    output,
    durationMs: Math.round(timeline.totalMs),
    createdAt: new Date().toISOString(),
    sources: book.sources,
    ...(book.cast === undefined ? {} : { cast: book.cast }),
    ...(book.castCost === undefined ? {} : { castCost: book.castCost }),
    chapters: timeline.chapters.map((c) => ({ title: c.title, startMs: Math.round(c.startMs), endMs: Math.round(c.endMs), ...(c.file === undefined ? {} : { file: c.file }), ...(c.loudness === undefined ? {} : { loudness: c.loudness }), ...(c.captions === undefined ? {} : { captions: c.captions }) })),
    ...(read.captions === undefined ? {} : { captions: read.captions }),
    ...(read.readalong === undefined ? {} : { readalong: read.readalong }),
    chunks,
    ...(read.sentences === undefined ? {} : { sentences: read.sentences }),
    totals: chunkTotals(chunks.map((c) => ({ ...c, calls: c.attempts }))),
    ...(mastering.loudness ? { loudness: mastering.loudness } : {}),
  };
}
