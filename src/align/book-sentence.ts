/** One sentence of a finished book, placed on the book's timeline (what captions and read-along are built from). */
export interface BookSentence {
  /** 1-based chapter number, as in the manifest's chapters. */
  chapter: number;
  /** 0-based index of the chunk within the book. */
  chunk: number;
  /** The sentence as it was read. */
  text: string;
  /** From the start of the book's audio. */
  startMs: number;
  endMs: number;
}
