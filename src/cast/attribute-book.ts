import { coerceError } from '../errors.js';
import { attributeByCues } from './attribute-by-cues.js';
import { attributionInstructions, markedChapter } from './attribution-prompt.js';
import { attributionKey } from './attribution-key.js';
import { chapterQuotations } from './chapter-quotations.js';
import type { AttributionModel, TextUsage } from './chat-text-model.js';
import { checkAttribution } from './check-attribution.js';
import { speakerKey } from './speaker-name.js';

/** Where chapters' attributions are kept by content (see attributionKey), so a re-run asks the model nothing. */
export interface AttributionCache {
  get(key: string): Promise<(string | null)[] | undefined>;
  set(key: string, speakers: (string | null)[]): Promise<void>;
}

/** Who speaks each quotation of each chapter, and what finding out cost. */
export interface BookAttribution {
  /** Per chapter, per quotation (chapterQuotations order): the speaker, or null for the narrator. */
  speakers: (string | null)[][];
  /** How: the chat model (online) or the text's cues (offline). */
  by: 'model' | 'cues';
  /** Model calls made now (retries included); 0 when every chapter came from the cache. */
  calls: number;
  /** Chapters whose attribution came from the cache. */
  cached: number;
  usage: TextUsage;
  /** Chapters read by the narrator alone because the model's answer failed its check twice, and why. */
  warnings: string[];
}

/** Answers checked per chapter before the chapter falls back to the narrator alone. */
export const ATTRIBUTION_ATTEMPTS = 2;

/**
 * Attributes a book's quotations: with `model`, one call per chapter that has any (cached by the
 * chapter's text), chapters in order so the cast met so far is named the same way in the next
 * prompt; an answer that fails the check (checkAttribution) or a failed call is asked once more,
 * then the chapter is read by the narrator alone, with a warning. Without a model, by the text's
 * cues (attributeByCues), which costs nothing.
 */
export async function attributeBook(
  chapters: readonly { title: string; paragraphs: readonly string[] }[],
  options: { model?: AttributionModel; cache?: AttributionCache; attempts?: number } = {},
): Promise<BookAttribution> {
  const { model, cache } = options;
  const result: BookAttribution = { speakers: [], by: model ? 'model' : 'cues', calls: 0, cached: 0, usage: { promptTokens: 0, completionTokens: 0 }, warnings: [] };
  if (!model) {
    result.speakers = chapters.map((c) => attributeByCues(c.paragraphs));
    return result;
  }
  const known = new Map<string, string>();
  for (const [i, chapter] of chapters.entries()) {
    const quotations = chapterQuotations(chapter.paragraphs);
    if (quotations.length === 0) {
      result.speakers.push([]);
      continue;
    }
    const key = attributionKey(model.model, chapter.paragraphs);
    let speakers = await cache?.get(key);
    if (speakers !== undefined && speakers.length === quotations.length) {
      result.cached++;
      // Cached under another book's spellings, maybe: this book's cast keeps the first it met.
      speakers = speakers.map((s) => (s === null ? null : (known.get(speakerKey(s)) ?? s)));
    } else {
      speakers = undefined;
      let problem = '';
      for (let attempt = 0; attempt < (options.attempts ?? ATTRIBUTION_ATTEMPTS) && speakers === undefined; attempt++) {
        result.calls++;
        try {
          const answer = await model.attribute(attributionInstructions([...known.values()]), markedChapter(chapter.paragraphs, quotations));
          result.usage.promptTokens += answer.usage.promptTokens;
          result.usage.completionTokens += answer.usage.completionTokens;
          const checked = checkAttribution(answer.content, quotations.length, known);
          if ('speakers' in checked) speakers = checked.speakers;
          else problem = checked.problem;
        } catch (error) {
          problem = callProblem(error);
        }
      }
      if (speakers === undefined) {
        result.warnings.push(`chapter ${i + 1} "${chapter.title}": the attribution by ${model.model} failed its check ${options.attempts ?? ATTRIBUTION_ATTEMPTS} times (${problem}): read by the narrator alone`);
        result.speakers.push(quotations.map(() => null));
        continue;
      }
      await cache?.set(key, speakers);
    }
    for (const s of speakers) if (s !== null && !known.has(speakerKey(s))) known.set(speakerKey(s), s);
    result.speakers.push(speakers);
  }
  return result;
}

/** A failed call, said without anything the provider may echo of the key: its status and code, or the error's kind. */
function callProblem(error: unknown): string {
  const e = coerceError(error) as Error & { status?: number; code?: unknown };
  if (typeof e.status === 'number') return `the provider answered ${e.status}${typeof e.code === 'string' ? ` ${e.code}` : ''}`;
  return `the call failed: ${e.name}`;
}
