import { xhtmlTextRuns, type TextRun } from './xhtml-text-runs.js';

/** One content document of an EPUB, by its path in the zip, as XHTML source. */
export interface SourceDocument {
  path: string;
  source: string;
}

/** Where one piece of a spoken sentence now sits: the span's document and id. */
export interface SentencePiece {
  /** Index into the documents given. */
  document: number;
  id: string;
  /** This piece's share of the sentence's letters: a sentence split by markup divides its clip by it. */
  share: number;
}

/** The documents with every found sentence wrapped, and each sentence's pieces (none: not found, left unsynchronized). */
export interface WrappedDocuments {
  documents: SourceDocument[];
  pieces: SentencePiece[][];
}

/** The prefix of every span id wrapSentences adds: `narrate-s12`, `narrate-s12-2`. */
export const SPAN_ID_PREFIX = 'narrate-s';

interface Letter {
  document: number;
  run: number;
  /** The letter's place in the run's decoded text. */
  from: number;
  to: number;
}

/**
 * Finds each spoken sentence in the book's own documents and wraps it in a span with an id, so a Media
 * Overlay can point at it. Sentences are matched on their letters and digits alone, case folded: the
 * producer cleaned the text (quotes, dashes, spaces, a heading's "Chapter I:" joined), so only the
 * letters are sure to survive. Each sentence is looked for after the previous one, then from the start
 * of the book (notes read at a chapter's end sit elsewhere), never where another sentence was found;
 * what is not found (a table announced, math spoken) stays as it was. A sentence that crosses markup
 * (`<em>`, a link) becomes one span per text run.
 */
export function wrapSentences(documents: readonly SourceDocument[], sentences: readonly string[]): WrappedDocuments {
  const runs = documents.map((doc) => xhtmlTextRuns(doc.source));
  let key = '';
  const letters: Letter[] = [];
  runs.forEach((docRuns, document) =>
    docRuns.forEach((run, r) => {
      for (const { letter, from, to } of lettersOf(run.text)) {
        key += letter;
        for (let k = 0; k < letter.length; k++) letters.push({ document, run: r, from, to });
      }
    }),
  );

  const claimed = new Uint8Array(key.length);
  const anyLink = (at: number, length: number): boolean => {
    for (let k = at; k < at + length; k++) {
      const letter = letters[k] as Letter;
      if (runs[letter.document]?.[letter.run]?.inLink) return true;
    }
    return false;
  };
  const ranges = new Map<string, { from: number; to: number; id: string }[]>();
  const pieces: SentencePiece[][] = [];
  let cursor = 0;
  sentences.forEach((sentence, index) => {
    const wanted = lettersOf(sentence).map((l) => l.letter).join('');
    let at = wanted === '' ? -1 : (findUnclaimed(key, wanted, cursor, claimed) ?? findUnclaimed(key, wanted, 0, claimed) ?? -1);
    // A heading found in a contents list (partly or wholly link text: "<a>CHAPTER I.</a> Down the
    // Rabbit-Hole") is read where it stands, further on, when it is there with no link.
    if (at >= 0 && anyLink(at, wanted.length)) {
      let further = findUnclaimed(key, wanted, at + 1, claimed);
      while (further !== undefined && anyLink(further, wanted.length)) further = findUnclaimed(key, wanted, further + 1, claimed);
      if (further !== undefined) at = further;
    }
    if (at < 0) {
      pieces.push([]);
      return;
    }
    claimed.fill(1, at, at + wanted.length);
    cursor = at + wanted.length;
    // Consecutive letters in one run make one piece.
    const found: { document: number; run: number; from: number; to: number; letters: number }[] = [];
    for (let k = at; k < at + wanted.length; k++) {
      const letter = letters[k] as Letter;
      const last = found[found.length - 1];
      if (last && last.document === letter.document && last.run === letter.run) {
        last.to = letter.to;
        last.letters++;
      } else found.push({ document: letter.document, run: letter.run, from: letter.from, to: letter.to, letters: 1 });
    }
    pieces.push(
      found.map((piece, p) => {
        const id = `${SPAN_ID_PREFIX}${index}${p === 0 ? '' : `-${p + 1}`}`;
        const text = (runs[piece.document]?.[piece.run] as TextRun).text;
        // The closing punctuation (". ?” ) ...") belongs to the sentence: highlighted with it.
        let to = piece.to;
        while (to < text.length && !/[\s\p{L}\p{N}]/u.test(text[to] as string)) to++;
        const runKey = `${piece.document}:${piece.run}`;
        const list = ranges.get(runKey) ?? [];
        list.push({ from: piece.from, to, id });
        ranges.set(runKey, list);
        return { document: piece.document, id, share: piece.letters / wanted.length };
      }),
    );
  });

  const wrapped = documents.map((doc, document) => {
    const insertions: { at: number; text: string; order: number }[] = [];
    runs[document]?.forEach((run, r) => {
      const list = (ranges.get(`${document}:${r}`) ?? []).sort((a, b) => a.from - b.from);
      let floor = 0;
      for (const range of list) {
        // Punctuation taken by the sentence before must not be wrapped twice.
        const from = Math.max(range.from, floor);
        const to = Math.max(range.to, from);
        floor = to;
        insertions.push({ at: run.rawOffsets[from] as number, text: `<span id="${range.id}">`, order: 1 });
        insertions.push({ at: run.rawOffsets[to] as number, text: '</span>', order: 0 });
      }
    });
    if (insertions.length === 0) return { ...doc };
    // At one offset a span closes before the next opens.
    insertions.sort((a, b) => a.at - b.at || a.order - b.order);
    let out = '';
    let last = 0;
    for (const insertion of insertions) {
      out += doc.source.slice(last, insertion.at) + insertion.text;
      last = insertion.at;
    }
    return { path: doc.path, source: out + doc.source.slice(last) };
  });
  return { documents: wrapped, pieces };
}

/** Each letter or digit of the text, case folded, with where it sits. */
function lettersOf(text: string): { letter: string; from: number; to: number }[] {
  const out: { letter: string; from: number; to: number }[] = [];
  let i = 0;
  for (const char of text) {
    if (/[\p{L}\p{N}]/u.test(char)) out.push({ letter: char.toLowerCase(), from: i, to: i + char.length });
    i += char.length;
  }
  return out;
}

function findUnclaimed(key: string, wanted: string, from: number, claimed: Uint8Array): number | undefined {
  let at = key.indexOf(wanted, from);
  while (at >= 0) {
    if (claimed.subarray(at, at + wanted.length).every((c) => c === 0)) return at;
    at = key.indexOf(wanted, at + 1);
  }
  return undefined;
}
