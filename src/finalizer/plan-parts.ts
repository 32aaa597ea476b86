import type { Chunk } from '../contracts/book-text.js';
import type { PartSpec } from '../contracts/job-data.js';

/**
 * Characters of text per part: about four minutes of speech at ~15 characters a second. A part is
 * what is left to encode after the last chunk, so it must be short (AAC on speech runs ~53x real
 * time on one core here: four minutes take ~5 s), and long enough that a 10 h book stays at a few
 * hundred jobs.
 */
export const PART_CHARS = 3_600;
/** Chunks per part at most, whatever their length: a part's flow goes to Redis in one MULTI. */
export const PART_MAX_CHUNKS = 40;

/**
 * Cuts a book's chunks into parts, each inside one chapter, so that each part can be encoded as
 * soon as its own chunks are stored. A part ends only where a pause follows (a sentence, a paragraph
 * or a chapter), never inside a sentence split across chunks: the join is placed in that silence.
 * Pure.
 */
export function planParts(chunks: readonly Pick<Chunk, 'index' | 'chapter' | 'pauseAfter' | 'text'>[], partChars = PART_CHARS): PartSpec[] {
  const parts: PartSpec[] = [];
  let from = 0;
  let chars = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    const prev = chunks[i - 1];
    const full = chars >= partChars || i - from >= PART_MAX_CHUNKS;
    if (prev && (prev.chapter !== chunk.chapter || (full && prev.pauseAfter !== 'none'))) {
      parts.push({ part: parts.length, chapter: prev.chapter, from, to: i });
      from = i;
      chars = 0;
    }
    chars += chunk.text.length;
  }
  if (chunks.length > 0) parts.push({ part: parts.length, chapter: chunks[chunks.length - 1]!.chapter, from, to: chunks.length });
  return parts;
}
