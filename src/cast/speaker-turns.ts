import { chapterQuotations } from './chapter-quotations.js';

/** A stretch of a chapter one voice reads: a speaker's quotation, or narration (speaker undefined). */
export interface SpeakerTurn {
  text: string;
  /** Who speaks it; undefined for narration and for quotations nobody was found to say. */
  speaker: string | undefined;
  /** Whether the turn ends its paragraph (else it ends in the middle of one, at a quotation mark). */
  paragraphEnd: boolean;
}

/**
 * A chapter's paragraphs cut at every change of voice: each quotation with a speaker is a turn of its
 * own, the narration around it another, so no chunk made from them mixes voices. `speakers` gives
 * each quotation's speaker in chapter order (as chapterQuotations numbers them); null: the narrator
 * reads it. Consecutive turns of one voice in a paragraph stay one turn. Pure.
 */
export function speakerTurns(paragraphs: readonly string[], speakers: readonly (string | null)[]): SpeakerTurn[][] {
  const quotes = chapterQuotations(paragraphs);
  return paragraphs.map((paragraph, p) => {
    const turns: SpeakerTurn[] = [];
    const push = (text: string, speaker: string | undefined) => {
      const trimmed = text.trim();
      if (trimmed === '') return;
      const last = turns.at(-1);
      if (last && last.speaker === speaker) last.text = `${last.text} ${trimmed}`;
      else turns.push({ text: trimmed, speaker, paragraphEnd: false });
    };
    let from = 0;
    for (const q of quotes.filter((q) => q.paragraph === p)) {
      const speaker = speakers[q.index] ?? undefined;
      if (speaker === undefined) continue; // read by the narrator with the narration around it
      push(paragraph.slice(from, q.start), undefined);
      push(paragraph.slice(q.start, q.end), speaker);
      from = q.end;
    }
    push(paragraph.slice(from), undefined);
    // A turn with nothing to say ("(" before a quotation, ")" after one) joins its neighbour: no voice reads punctuation alone.
    for (let i = 0; i < turns.length; i++) {
      if (/[\p{L}\p{N}]/u.test(turns[i]!.text) || turns.length === 1) continue;
      const next = turns[i + 1];
      const previous = turns[i - 1];
      if (next) next.text = `${turns[i]!.text}${next.text}`;
      else if (previous) previous.text = `${previous.text}${turns[i]!.text}`;
      turns.splice(i--, 1);
    }
    const last = turns.at(-1);
    if (last) last.paragraphEnd = true;
    return turns;
  });
}
