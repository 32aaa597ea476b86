import type { HTMLElement } from 'node-html-parser';

/**
 * What an element is, from the book's own markup: EPUB Structural Semantics (`epub:type`) and
 * DPUB-ARIA / ARIA roles. Only what the reader acts on is named here; everything else is `other`.
 */
export type Semantic =
  /** Never read: page-break markers, tables of contents, landmarks, page lists, indexes, lists of figures. */
  | 'navigation'
  /** A footnote, endnote or rearnote (or a section of them): read only with `--notes end`, at its chapter's end. */
  | 'note'
  /** The mark in the text that points at a note. Never read. */
  | 'noteref'
  /** The link inside a note back to its mark. Never read. */
  | 'backlink'
  /** Copyright, imprint, colophon, title and half-title pages: read only with `--keep-front-matter`. */
  | 'publisher'
  /** Cover image or page. Never read. */
  | 'cover'
  /** Interactive widgets (player buttons, sliders, toolbars). Never read. */
  | 'control'
  | 'other';

const BY_TYPE: Record<string, Semantic> = {
  pagebreak: 'navigation',
  'page-list': 'navigation',
  toc: 'navigation',
  'toc-brief': 'navigation',
  landmarks: 'navigation',
  index: 'navigation',
  loi: 'navigation',
  lot: 'navigation',
  loa: 'navigation',
  lov: 'navigation',
  footnote: 'note',
  footnotes: 'note',
  endnote: 'note',
  endnotes: 'note',
  rearnote: 'note',
  rearnotes: 'note',
  note: 'note',
  noteref: 'noteref',
  backlink: 'backlink',
  referrer: 'backlink',
  'copyright-page': 'publisher',
  imprint: 'publisher',
  colophon: 'publisher',
  titlepage: 'publisher',
  halftitlepage: 'publisher',
  seriespage: 'publisher',
  cover: 'cover',
};

const BY_ROLE: Record<string, Semantic> = {
  'doc-pagebreak': 'navigation',
  'doc-pagelist': 'navigation',
  'doc-toc': 'navigation',
  'doc-index': 'navigation',
  navigation: 'navigation',
  'doc-footnote': 'note',
  'doc-endnote': 'note',
  'doc-endnotes': 'note',
  'doc-noteref': 'noteref',
  'doc-backlink': 'backlink',
  'doc-colophon': 'publisher',
  'doc-cover': 'cover',
  button: 'control',
  toolbar: 'control',
  slider: 'control',
  menu: 'control',
  menubar: 'control',
  menuitem: 'control',
  progressbar: 'control',
  scrollbar: 'control',
  searchbox: 'control',
  spinbutton: 'control',
  switch: 'control',
  tablist: 'control',
  timer: 'control',
};

/** The semantic the element's `epub:type` or `role` names; `epub:type` wins when both name one. */
export function semanticOf(element: HTMLElement): Semantic {
  for (const type of tokens(element.getAttribute('epub:type'))) {
    // "index-headnotes", "index-group", ...: every part of an index is the index.
    const found = BY_TYPE[type] ?? (type.startsWith('index') ? 'navigation' : undefined);
    if (found) return found;
  }
  for (const role of tokens(element.getAttribute('role'))) {
    const found = BY_ROLE[role];
    if (found) return found;
  }
  return 'other';
}

/** Whether `epub:type` or `role` names this token (any vocabulary prefix dropped: "z3998:poem" → "poem"). */
export function hasType(element: HTMLElement, token: string): boolean {
  return tokens(element.getAttribute('epub:type')).includes(token) || tokens(element.getAttribute('role')).includes(token);
}

/** Gutenberg wraps its licence in sections with these ids (class pg-boilerplate). */
export function isGutenbergLicence(element: HTMLElement): boolean {
  const id = element.getAttribute('id') ?? '';
  return id === 'pg-header' || id === 'pg-footer' || (element.getAttribute('class') ?? '').split(/\s+/).includes('pg-boilerplate');
}

/** Hidden from every reader: the `hidden` attribute or `aria-hidden="true"`. */
export function isHidden(element: HTMLElement): boolean {
  return element.getAttribute('hidden') !== undefined || element.getAttribute('aria-hidden') === 'true';
}

function tokens(value: string | undefined): string[] {
  return (value ?? '').toLowerCase().split(/\s+/).filter((t) => t !== '').map((t) => t.replace(/^[a-z0-9-]+:/, ''));
}
