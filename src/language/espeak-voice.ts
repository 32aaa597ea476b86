import { baseLanguage, isEnglish, knownLanguage } from './languages.js';
import { languageName } from './parse-language-tag.js';

/** Voices of the chat model mapped to espeak-ng voices, so a manifest written for one works with the other. */
const CHAT_VOICES: Readonly<Record<string, { voice: string; variant: string }>> = {
  alloy: { voice: 'en-us', variant: '' },
  ash: { voice: 'en-us', variant: '+m3' },
  ballad: { voice: 'en-gb', variant: '+m2' },
  coral: { voice: 'en-us', variant: '+f3' },
  echo: { voice: 'en-us', variant: '+m1' },
  fable: { voice: 'en-gb', variant: '' },
  nova: { voice: 'en-us', variant: '+f2' },
  onyx: { voice: 'en-us', variant: '+m7' },
  sage: { voice: 'en-us', variant: '+f4' },
  shimmer: { voice: 'en-us', variant: '+f1' },
  verse: { voice: 'en-gb', variant: '+m3' },
};

/**
 * Primary language subtags espeak-ng's npm build (1.52, WASM) has a voice for, from `espeak-ng --voices`;
 * a language here but not in KNOWN_LANGUAGES is read with the voice of the same name.
 */
const ESPEAK_LANGUAGES: ReadonlySet<string> = new Set(
  ('af am an ar as az ba be bg bn bpy bs ca cmn cs cv cy da de el en eo es et eu fa fi fr ga gd gn grc gu hak haw he hi hr ht hu hy ' +
    'hyw ia id io is it ja jbo ka kk kl kn ko kok ku ky la lb lfn lt ltg lv mi mk ml mr ms mt my nb nci ne nl nog om or pa pap pl pt ' +
    'qu quc ro ru sd shn si sk sl smj sq sr sv sw ta te th tk tn tr tt ug uk ur uz vi yue').split(' '),
);

/** The espeak-ng voice to read with, and a warning when the book's language has none. */
export interface EspeakVoice {
  voice: string;
  warning?: string;
}

/**
 * The espeak-ng voice for a chat voice name (or an espeak voice named directly) and a book's language.
 * An English book keeps the English accents the chat voices map to. Another language takes espeak's
 * voice for it, keeping the chat voice's character (male/female variant). A language espeak has no
 * voice for falls back to English and says so.
 */
export function espeakVoice(voice: string, language: string | undefined): EspeakVoice {
  const chat = CHAT_VOICES[voice];
  // A voice that is not a chat voice is an espeak voice the user chose ("de+f2"): theirs to pick.
  if (chat === undefined) return { voice };
  if (isEnglish(language)) return { voice: `${chat.voice}${chat.variant}` };
  const known = knownLanguage(language ?? 'en');
  if (known !== undefined) return { voice: `${known.espeak}${chat.variant}` };
  const base = baseLanguage(language ?? 'en');
  if (ESPEAK_LANGUAGES.has(base)) return { voice: `${base}${chat.variant}` };
  return {
    voice: `${chat.voice}${chat.variant}`,
    warning: `the offline voice has no ${languageName(language ?? 'en')} (${language}) voice; it will read with an English voice`,
  };
}

/** What to tell the user before narrating offline, if anything. */
export function offlineVoiceWarning(voice: string, language: string): string | undefined {
  return espeakVoice(voice, language).warning;
}
