import { coerceError } from '../../errors.js';

/** Turns one MathML element (its markup) into words a narrator can read. */
export type MathSpeech = (mathml: string) => string;

// Locales speech-rule-engine 4 ships rules for (its mathmaps folder); others fall back to English.
const LOCALES = new Set(['ca', 'da', 'de', 'en', 'es', 'fr', 'hi', 'it', 'ko', 'nb', 'nn', 'sv']);
let queue: Promise<unknown> = Promise.resolve();

/**
 * Starts speech-rule-engine (the MathJax speech library; it reads its bundled rule files, no network)
 * for a language tag such as "en-GB", using the ClearSpeak rules. Returns a synchronous converter.
 * The engine is one global: setups run one after another so two books never swap locales mid-way.
 */
export async function mathSpeech(language: string | undefined): Promise<MathSpeech> {
  const primary = (language ?? 'en').toLowerCase().split('-')[0] ?? 'en';
  const locale = LOCALES.has(primary) ? primary : 'en';
  const sre = (await import('speech-rule-engine')).default;
  const ready = queue.then(async () => {
    await sre.setupEngine({ locale, domain: locale === 'en' ? 'clearspeak' : 'mathspeak', modality: 'speech' });
    await sre.engineReady();
  });
  queue = ready.catch(() => undefined);
  await ready;
  return (mathml) => {
    try {
      return sre.toSpeech(mathml).replace(/\s+/g, ' ').trim();
    } catch (error) {
      // A formula the engine cannot parse: its symbols as written, so the sentence keeps no hole.
      void coerceError(error);
      return '';
    }
  };
}
