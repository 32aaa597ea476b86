import { chunkSentences } from './chunk-sentences.js';
import type { PreparedBook } from './prepare-books.js';
import type { CastMember } from '../cast/cast-voices.js';
import { estimatePlan, speechMinutes, type PlanEstimate } from './plan-estimate.js';

/** One book as `narrate plan --json` prints it. The names title/author/language/chapters/chunks/text/chars/estimate are kept. */
export interface PlannedBook {
  title: string;
  author: string;
  /** BCP 47 tag. */
  language: string;
  /** Where the language came from: flag, manifest, epub, front matter or detected. */
  languageSource: string;
  voice: string;
  format: string;
  /** Where the book will be written. */
  output: string;
  sources: string[];
  chapters: {
    title: string;
    /** Characters of its chunks. */
    chars: number;
    /** Estimated minutes of speech. */
    minutes: number;
    /** `speaker` (absent for the narrator) and `voice` appear when the book is read by a cast; `sentences` as the aligner will time them (producer/chunk-sentences.ts). */
    chunks: { text: string; chars: number; speaker?: string; voice?: string; sentences: string[] }[];
  }[];
  /** The cast, when dialogue is read by the characters' voices: speaker, voice, lines, share of the book. */
  cast?: CastMember[];
  /** How the cast was attributed: `cues` in a plan (no model call is made); the chat model attributes at submit when a key is set. */
  castBy?: 'model' | 'cues';
  estimate: PlanEstimate;
}

/** The document `narrate plan --json` prints. */
export interface PlanDocument {
  books: PlannedBook[];
  /** The batch's estimate: every book's added up. */
  estimate: PlanEstimate;
}

/** A prepared book as the plan shows it: chapters with their chunks, exactly the text each model call gets. Pure. */
export function plannedBook(book: PreparedBook): PlannedBook {
  const { finalize, synthesize } = book.plan;
  const chapters: PlannedBook['chapters'] = finalize.chapters.map((c) => ({ title: c.title, chars: 0, minutes: 0, chunks: [] }));
  for (const chunk of synthesize) {
    const chapter = chapters[chunk.chapter];
    if (chapter === undefined) continue;
    const cast = finalize.cast === undefined ? {} : { ...(chunk.speaker === undefined ? {} : { speaker: chunk.speaker }), voice: chunk.voice };
    chapter.chunks.push({ text: chunk.text, chars: chunk.text.length, ...cast, sentences: chunkSentences(chunk.text, chunk.language) });
    chapter.chars += chunk.text.length;
    chapter.minutes += speechMinutes(chunk.text);
  }
  for (const c of chapters) c.minutes = Math.round(c.minutes * 10) / 10;
  return {
    title: finalize.title,
    author: finalize.author,
    language: finalize.language ?? 'en',
    languageSource: book.languageSource,
    voice: finalize.voice,
    format: finalize.format,
    output: `${finalize.outDir}/${finalize.slug}.${finalize.format}`,
    sources: finalize.sources,
    chapters,
    ...(finalize.cast === undefined ? {} : { cast: finalize.cast }),
    ...(book.cast === undefined ? {} : { castBy: book.cast.by }),
    estimate: estimatePlan(book.plan),
  };
}
