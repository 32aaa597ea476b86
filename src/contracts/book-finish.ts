import type { LoudnessPresetName } from './loudness-preset-name.js';

/** The image formats a cover may be, told by their first bytes (never by the file name). */
export type CoverType = 'jpeg' | 'png';


/** How a book is finished beyond its audio: loudness, tags, cover, file shape (issue 9 §2-§4). */
export interface BookFinish {
  /** Loudness preset (default audiobook). */
  loudness: LoudnessPresetName;
  /** Tagged as composer in m4b, TCOM in mp3; read in the opening credits. Default: the voice's name. */
  narrator: string;
  /** Opening ("Title, by Author. Narrated by …") and closing ("The End.") credits read as chapters of their own. */
  credits: boolean;
  /** One file per chapter in `<out>/<slug>/`, with a playlist beside them. */
  split: boolean;
  /** Captions of every sentence, for the book (`<slug>.vtt|srt`) and beside each chapter file. Default none. */
  captions?: 'vtt' | 'srt';
  /** A read-along EPUB, `<slug>.epub`: the book's text with every sentence highlighted as it is heard. Default off. */
  readalong?: boolean;
  /** A checked JPEG or PNG embedded as the cover. */
  cover?: BookCover;
  year?: string;
  description?: string;
  publisher?: string;
  language?: string;
}

/**
 * A book's cover: `name` is its copy in the book's output (BookOutput; published at submit, so
 * every worker reads the same file), `path` where that is (a path or an s3:// URL). Books queued
 * before covers were published have only `path`, an absolute path on the submitting machine.
 */
export interface BookCover {
  path: string;
  name?: string;
  type: CoverType;
}
