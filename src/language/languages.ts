/**
 * The languages narrate knows by name: how franc (ISO 639-3) calls them, the BCP 47 tag they become,
 * and the espeak-ng voice the offline narrator reads them with. Any valid BCP 47 tag can be given with
 * --language or `language:`; this table only decides detection, the offline voice and word rules.
 */
export interface KnownLanguage {
  /** BCP 47 primary language subtag. */
  tag: string;
  /** franc's ISO 639-3 codes that map to this tag (franc tells Standard Arabic as "arb", Mandarin as "cmn"). */
  franc: readonly string[];
  /** espeak-ng voice (as `espeak-ng --voices` lists it in the npm package's WASM build). */
  espeak: string;
}

export const KNOWN_LANGUAGES: readonly KnownLanguage[] = [
  { tag: 'en', franc: ['eng', 'sco'], espeak: 'en-us' },
  { tag: 'fr', franc: ['fra'], espeak: 'fr-fr' },
  { tag: 'de', franc: ['deu'], espeak: 'de' },
  { tag: 'es', franc: ['spa'], espeak: 'es' },
  { tag: 'it', franc: ['ita'], espeak: 'it' },
  { tag: 'pt', franc: ['por'], espeak: 'pt' },
  { tag: 'nl', franc: ['nld'], espeak: 'nl' },
  { tag: 'sv', franc: ['swe'], espeak: 'sv' },
  { tag: 'da', franc: ['dan'], espeak: 'da' },
  { tag: 'nb', franc: ['nob', 'nno'], espeak: 'nb' },
  { tag: 'fi', franc: ['fin'], espeak: 'fi' },
  { tag: 'pl', franc: ['pol'], espeak: 'pl' },
  { tag: 'cs', franc: ['ces'], espeak: 'cs' },
  { tag: 'hu', franc: ['hun'], espeak: 'hu' },
  { tag: 'ro', franc: ['ron'], espeak: 'ro' },
  { tag: 'el', franc: ['ell'], espeak: 'el' },
  { tag: 'tr', franc: ['tur'], espeak: 'tr' },
  { tag: 'ru', franc: ['rus'], espeak: 'ru' },
  { tag: 'uk', franc: ['ukr'], espeak: 'uk' },
  { tag: 'ar', franc: ['arb', 'ara'], espeak: 'ar' },
  { tag: 'he', franc: ['heb'], espeak: 'he' },
  { tag: 'fa', franc: ['pes', 'fas'], espeak: 'fa' },
  { tag: 'hi', franc: ['hin'], espeak: 'hi' },
  { tag: 'ja', franc: ['jpn'], espeak: 'ja' },
  { tag: 'zh', franc: ['cmn', 'zho'], espeak: 'cmn' },
  { tag: 'ko', franc: ['kor'], espeak: 'ko' },
  { tag: 'th', franc: ['tha'], espeak: 'th' },
  { tag: 'vi', franc: ['vie'], espeak: 'vi' },
  { tag: 'id', franc: ['ind'], espeak: 'id' },
  { tag: 'ms', franc: ['zlm', 'msa'], espeak: 'ms' },
  { tag: 'sw', franc: ['swh', 'swa'], espeak: 'sw' },
];

/** Languages whose script writes no space between words: their words come from Intl.Segmenter's dictionaries. */
export const UNSPACED_LANGUAGES: ReadonlySet<string> = new Set(['ja', 'zh', 'th', 'lo', 'km', 'my', 'bo']);

/** The primary language subtag of a BCP 47 tag, lower-cased: "pt-BR" → "pt". */
export function baseLanguage(tag: string): string {
  return (tag.split('-')[0] ?? tag).toLowerCase();
}

/** Whether a book in this language follows the English rules (English number words, contractions, sentence splitter). */
export function isEnglish(tag: string | undefined): boolean {
  return tag === undefined || baseLanguage(tag) === 'en';
}

/** The table row for a tag's primary language, if narrate knows it. */
export function knownLanguage(tag: string): KnownLanguage | undefined {
  const base = baseLanguage(tag);
  return KNOWN_LANGUAGES.find((l) => l.tag === base);
}
