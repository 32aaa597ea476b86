import type { Chapter } from '../contracts/book-text.js';
import { detectLanguage } from './detect-language.js';
import { languageName, parseLanguageTag } from './parse-language-tag.js';

/** Where a book's language was found, shown by `narrate plan`. */
export type LanguageSource = 'flag' | 'manifest' | 'epub' | 'front matter' | 'detected' | 'default';

/** A book's language and how it was chosen. */
export interface ResolvedLanguage {
  /** Canonical BCP 47 tag. */
  language: string;
  source: LanguageSource;
  /** Said to the user once (plan, submit, run): a guess, or a tag the book gave that was not one. */
  warnings: string[];
}

/** What the book itself declares, from its manifest, EPUB package or Markdown front matter. */
export interface DeclaredLanguage {
  tag: string;
  from: Exclude<LanguageSource, 'flag' | 'detected' | 'default'>;
}

/**
 * A book's language: --language first (the user knows best), then what the book declares (manifest
 * `language:`, EPUB dc:language, Markdown front matter), then detection from its text. A declared tag
 * that is not BCP 47 is reported and detection decides instead.
 */
export function resolveLanguage(source: string, chapters: readonly Chapter[], flag?: string, declared?: DeclaredLanguage): ResolvedLanguage {
  if (flag !== undefined) return { language: flag, source: 'flag', warnings: [] };
  const warnings: string[] = [];
  if (declared !== undefined) {
    const tag = parseLanguageTag(declared.tag);
    if (tag !== undefined) return { language: tag, source: declared.from, warnings };
    warnings.push(`${source}: the ${declared.from} names the language "${declared.tag}", which is not a BCP 47 tag; detecting it from the text instead`);
  }
  const detected = detectLanguage(sampleText(chapters));
  if (!detected.confident) {
    warnings.push(
      detected.letters < 100 && detected.language === 'en'
        ? `${source}: too little text (${detected.letters} letters) to tell its language; assuming English (en). Set --language or language: to choose`
        : `${source}: its language looks like ${languageName(detected.language)} (${detected.language}), but not clearly; set --language or language: to be sure`,
    );
  }
  return { language: detected.language, source: 'detected', warnings };
}

/** Paragraphs from the whole book, not just its opening: a title page or a foreword in another language would mislead. */
function sampleText(chapters: readonly Chapter[]): string {
  const paragraphs = chapters.flatMap((c) => c.paragraphs);
  if (paragraphs.length <= 40) return paragraphs.join('\n');
  const step = Math.floor(paragraphs.length / 40);
  return paragraphs.filter((_, i) => i % step === 0).map((p) => p.slice(0, 300)).join('\n');
}
