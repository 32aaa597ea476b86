// English names, with no fallback: a code ICU cannot name is not a language it knows.
const displayNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * A BCP 47 language tag in its canonical form ("EN-us" → "en-US", "iw" → "he"), or undefined when the
 * value is not one. Syntax comes from Intl.getCanonicalLocales; the primary language must also be one ICU
 * has a name for, so "english" (syntactically a 7-letter subtag) is refused rather than tagged into a book.
 */
export function parseLanguageTag(value: string): string | undefined {
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(value.trim())[0];
  } catch {
    return undefined;
  }
  if (canonical === undefined) return undefined;
  const language = new Intl.Locale(canonical).language;
  if (language === undefined || displayNames.of(language) === undefined) return undefined;
  return canonical;
}

/** The English name of a language tag, for messages and the narration instructions: "fr-CA" → "Canadian French". */
export function languageName(tag: string): string {
  return displayNames.of(tag) ?? displayNames.of(new Intl.Locale(tag).language) ?? tag;
}

/** What a bad tag is answered with: the value, and examples of what is expected. */
export function languageTagExpectation(value: string): string {
  return `expected a BCP 47 language tag such as en, fr, pt-BR, ja or ar, got "${value}"`;
}
