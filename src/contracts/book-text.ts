/** A chapter as the producer found it: its title and its paragraphs, in reading order. */
export interface Chapter {
  /** The title shown in the audiobook's chapter list, e.g. "Chapter I: Down the Rabbit-Hole". */
  title: string;
  /**
   * The paragraphs read aloud, each already cleaned (single spaces, no markup).
   * When the heading should be heard, it is the first paragraph.
   */
  paragraphs: string[];
}

/** A whole document reduced to text: what every reader (txt, md, epub) produces. */
export interface BookText {
  /** From the document itself (EPUB metadata, a Gutenberg "Title:" line), when it names one. */
  title?: string;
  author?: string;
  /** The language the document declares (EPUB `dc:language`, Markdown front matter `language:`), as written. */
  language?: string;
  /** Ruby readings (base text → reading, 山路 → やまみち): pronunciation hints, never read inline. */
  readings?: ReadonlyMap<string, string>;
  chapters: Chapter[];
}

/** The text of one model call, with where it sits in the book. */
export interface Chunk {
  /** 0-based position in the book. */
  index: number;
  /** 0-based index of the chapter it belongs to. */
  chapter: number;
  text: string;
  /** What follows this chunk: decides the silence the finalizer puts after it. */
  pauseAfter: 'none' | 'sentence' | 'paragraph' | 'chapter';
  /** Who speaks it, when the book is read by a cast (src/cast/); absent for the narrator. */
  speaker?: string;
}
