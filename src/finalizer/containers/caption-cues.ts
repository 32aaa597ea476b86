/** One caption: when it shows, and its lines. */
export interface CaptionCue {
  startMs: number;
  endMs: number;
  lines: string[];
}

/** The common subtitle limits (BBC, Netflix): lines of at most 42 characters, two lines a cue. */
export const MAX_LINE_CHARS = 42;
export const MAX_CUE_LINES = 2;
/** A sentence heard for longer than this is shown in pieces, cut at clause boundaries. */
export const MAX_CUE_MS = 10_000;

/**
 * One cue per sentence, timed as it is heard. A sentence longer than MAX_CUE_MS, or too long for
 * two lines of 42 characters, is cut into cues at clause boundaries (after a comma, semicolon or
 * colon, at a dash), a clause that is itself too long between words; each piece gets the share of
 * the sentence's time its characters have. Sentences with nothing to read (`* * *`) get no cue.
 * Cues never overlap and never run backwards. Pure.
 */
export function captionCues(sentences: readonly { text: string; startMs: number; endMs: number }[]): CaptionCue[] {
  const cues: CaptionCue[] = [];
  let previousEnd = 0;
  for (const sentence of sentences) {
    const text = sentence.text.replace(/\s+/g, ' ').trim();
    if (!/[\p{L}\p{N}]/u.test(text)) continue;
    const startMs = Math.max(Math.round(sentence.startMs), previousEnd);
    const endMs = Math.max(Math.round(sentence.endMs), startMs + 1);
    const pieces = cutSentence(text, endMs - startMs);
    const total = pieces.reduce((n, p) => n + p.length, 0);
    let chars = 0;
    let at = startMs;
    for (const piece of pieces) {
      chars += piece.length;
      const end = chars === total ? endMs : Math.max(at + 1, Math.round(startMs + ((endMs - startMs) * chars) / total));
      cues.push({ startMs: at, endMs: end, lines: wrapLines(piece) });
      at = end;
    }
    previousEnd = endMs;
  }
  return cues;
}

/** The sentence in pieces that each fit a cue (see captionCues). */
export function cutSentence(text: string, durationMs: number): string[] {
  const msPerChar = durationMs / Math.max(1, text.length);
  const fits = (words: readonly string[]) => {
    const piece = words.join(' ');
    return wrapLines(piece).length <= MAX_CUE_LINES && piece.length * msPerChar <= MAX_CUE_MS;
  };
  const words = text.split(' ');
  if (fits(words)) return [text];
  const clauses: string[][] = [];
  let clause: string[] = [];
  for (const word of words) {
    // A dash standing alone starts a clause; a word ending in , ; : or a dash ends one.
    if (/^[-–—]+$/.test(word) && clause.length > 0) {
      clauses.push(clause);
      clause = [];
    }
    clause.push(word);
    if (/[,;:–—]["'”’»)\]]*$/.test(word)) {
      clauses.push(clause);
      clause = [];
    }
  }
  if (clause.length > 0) clauses.push(clause);
  const pieces: string[][] = [];
  let current: string[] = [];
  for (const c of clauses) {
    if (fits([...current, ...c])) {
      current = [...current, ...c];
      continue;
    }
    if (current.length > 0) pieces.push(current);
    current = [];
    if (fits(c)) {
      current = c;
      continue;
    }
    // A clause too long for one cue: cut between words.
    for (const word of c) {
      if (current.length > 0 && !fits([...current, word])) {
        pieces.push(current);
        current = [];
      }
      current.push(word);
    }
  }
  if (current.length > 0) pieces.push(current);
  return pieces.map((p) => p.join(' '));
}

/**
 * A cue's text in lines of at most MAX_LINE_CHARS: two lines as even as the words allow when it fits
 * in two, else filled greedily (a single word longer than a line keeps a line to itself). Pure.
 */
export function wrapLines(text: string): string[] {
  if (text.length <= MAX_LINE_CHARS) return [text];
  let best: [string, string] | undefined;
  for (let i = text.indexOf(' '); i >= 0; i = text.indexOf(' ', i + 1)) {
    const a = text.slice(0, i);
    const b = text.slice(i + 1);
    if (a.length > MAX_LINE_CHARS || b.length > MAX_LINE_CHARS) continue;
    if (!best || Math.max(a.length, b.length) < Math.max(best[0].length, best[1].length)) best = [a, b];
  }
  if (best) return best;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > MAX_LINE_CHARS) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
