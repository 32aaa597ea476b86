/** What the reader keeps that a listener does not usually want. */
export interface ReadingOptions {
  /** `skip` (default): footnotes, endnotes and rearnotes are not read. `end`: each chapter's notes are read at its end. */
  notes: 'skip' | 'end';
  /** Read copyright, imprint, colophon and title pages and Gutenberg's licence. Default false. */
  keepFrontMatter: boolean;
  /** Read code listings aloud instead of skipping them (the same switch as Markdown's code blocks). Default false. */
  readCode: boolean;
}

/** The defaults: notes skipped, publisher pages dropped, code skipped. */
export const DEFAULT_READING: ReadingOptions = { notes: 'skip', keepFrontMatter: false, readCode: false };

/** Accepted values of `--notes`. */
export const NOTES_MODES = ['skip', 'end'] as const;
