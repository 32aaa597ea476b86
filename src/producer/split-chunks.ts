import { InputError } from '../errors.js';
import type { Chapter, Chunk } from '../contracts/book-text.js';
import { isEnglish } from '../language/languages.js';
import { wordPieces } from '../language/segment-text.js';
import { splitSentencesSpaced } from './split-sentences.js';
import type { SpeakerTurn } from '../cast/speaker-turns.js';

/** The chunk size the CLI uses: about a minute of speech, well inside a chat-audio model's reply limit. */
export const DEFAULT_MAX_CHARS = 1200;
/** Below this a chunk holds a few words at most, and the pauses between model calls would dominate. */
export const MIN_MAX_CHARS = 20;

type Pause = Chunk['pauseAfter'];

/** A run of text that must stay in one chunk, the pause its end deserves, and whether a space goes before it. */
interface Piece {
  text: string;
  end: Pause;
  /** False between sentences or words of a script that writes no spaces (Japanese, Chinese, Thai). Default true. */
  spaceBefore?: boolean;
}

/**
 * Packs chapters into chunks of at most `maxChars` characters. Whole paragraphs are packed together
 * (joined by a blank line); a longer paragraph is cut between sentences, a longer sentence between
 * words. A single word longer than `maxChars` cannot be cut and becomes a chunk of its own, the only
 * case where a chunk exceeds the limit. Chunks never span chapters and are never empty. Sentence and
 * word boundaries follow the book's language (split-sentences.ts); default English.
 */
export function splitChunks(chapters: Chapter[], maxChars: number, language?: string): Chunk[] {
  if (!Number.isInteger(maxChars) || maxChars < MIN_MAX_CHARS) {
    throw new InputError(`maxChars must be an integer >= ${MIN_MAX_CHARS}, got ${String(maxChars)}`);
  }
  const chunks: Chunk[] = [];
  chapters.forEach((chapter, chapterIndex) => {
    const texts = packChapter(chapter.paragraphs, maxChars, language);
    texts.forEach((piece, i) => {
      const pauseAfter = i === texts.length - 1 ? 'chapter' : piece.end;
      chunks.push({ index: chunks.length, chapter: chapterIndex, text: piece.text, pauseAfter });
    });
  });
  return chunks;
}

/**
 * Packs chapters cut into speaker turns (see cast/speaker-turns.ts) into chunks: as splitChunks does,
 * but a chunk never holds two voices. Each run of turns of one voice is packed on its own (a turn
 * that ends its paragraph is followed by a blank line, as paragraphs are), so a chunk ends at every
 * change of speaker, however short the turn. Each chunk carries its speaker (none for the narrator).
 */
export function splitTurnChunks(chapters: SpeakerTurn[][][], maxChars: number, language?: string): Chunk[] {
  if (!Number.isInteger(maxChars) || maxChars < MIN_MAX_CHARS) {
    throw new InputError(`maxChars must be an integer >= ${MIN_MAX_CHARS}, got ${String(maxChars)}`);
  }
  const chunks: Chunk[] = [];
  chapters.forEach((paragraphs, chapterIndex) => {
    const runs: { speaker: string | undefined; fragments: string[]; paragraphEnd: boolean }[] = [];
    for (const turn of paragraphs.flat()) {
      const run = runs.at(-1);
      if (run && run.speaker === turn.speaker) {
        // One voice across a paragraph's end: the next fragment is a new paragraph; inside one, the same.
        if (run.paragraphEnd) run.fragments.push(turn.text);
        else run.fragments[run.fragments.length - 1] += ` ${turn.text}`;
        run.paragraphEnd = turn.paragraphEnd;
      } else {
        runs.push({ speaker: turn.speaker, fragments: [turn.text], paragraphEnd: turn.paragraphEnd });
      }
    }
    runs.forEach((run, r) => {
      const texts = packChapter(run.fragments, maxChars, language);
      texts.forEach((piece, i) => {
        const lastOfRun = i === texts.length - 1;
        const pauseAfter: Pause = lastOfRun && r === runs.length - 1 ? 'chapter' : lastOfRun ? (run.paragraphEnd ? 'paragraph' : /[.!?]['"\u2019\u201D)]*$/u.test(piece.text) ? 'sentence' : 'none') : piece.end;
        chunks.push({ index: chunks.length, chapter: chapterIndex, text: piece.text, pauseAfter, ...(run.speaker === undefined ? {} : { speaker: run.speaker }) });
      });
    });
  });
  return chunks;
}

function packChapter(paragraphs: string[], maxChars: number, language: string | undefined): Piece[] {
  const out: Piece[] = [];
  let current: Piece | undefined;
  for (const raw of paragraphs) {
    const paragraph = raw.trim();
    if (paragraph === '') continue;
    if (paragraph.length <= maxChars) {
      if (current && current.text.length + 2 + paragraph.length <= maxChars) {
        current = { text: `${current.text}\n\n${paragraph}`, end: 'paragraph' };
      } else {
        if (current) out.push(current);
        current = { text: paragraph, end: 'paragraph' };
      }
      continue;
    }
    // A long paragraph starts its own chunk; its last piece stays open so short paragraphs can follow it.
    if (current) out.push(current);
    const pieces = packPieces(sentencePieces(paragraph, maxChars, language), maxChars);
    const last = pieces.pop();
    out.push(...pieces);
    current = last && { text: last.text, end: 'paragraph' };
  }
  if (current) out.push(current);
  return out;
}

/** A long paragraph's sentences, with sentences too long for a chunk cut between words. */
function sentencePieces(paragraph: string, maxChars: number, language: string | undefined): Piece[] {
  return splitSentencesSpaced(paragraph, language).flatMap(({ text: sentence, spaceBefore }): Piece[] => {
    if (sentence.length <= maxChars) return [{ text: sentence, end: 'sentence', spaceBefore }];
    const words: Piece[] = isEnglish(language)
      ? sentence.split(/\s+/).filter((word) => word !== '').map((text) => ({ text, end: 'none' }))
      : wordPieces(sentence, language).map((w) => ({ text: w.text, end: 'none', spaceBefore: w.spaceBefore }));
    const parts = packPieces(words, maxChars);
    const first = parts[0];
    if (first) first.spaceBefore = spaceBefore;
    const last = parts.at(-1);
    if (last) last.end = 'sentence';
    return parts;
  });
}

/** Greedily joins consecutive pieces with single spaces while they fit in `maxChars`. */
function packPieces(pieces: Piece[], maxChars: number): Piece[] {
  const out: Piece[] = [];
  for (const piece of pieces) {
    const last = out.at(-1);
    const gap = piece.spaceBefore === false ? '' : ' ';
    if (last && last.text.length + gap.length + piece.text.length <= maxChars) {
      last.text = `${last.text}${gap}${piece.text}`;
      last.end = piece.end;
    } else {
      out.push({ ...piece });
    }
  }
  return out;
}
