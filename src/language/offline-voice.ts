/**
 * The one place that decides how the offline voice reads a book: which engine (flite for English,
 * espeak-ng for every other language) and which of its voices, from the voice name a user gave
 * (`--voice`, a manifest's `voice:`, NARRATE_VOICE) and the book's language. The offline narrator, the
 * producer's checks and anything else that renders speech offline ask here, so they never disagree.
 */
import { CHAT_VOICE_NAMES, espeakVoice, espeakVoicesFor, isEspeakVoice } from './espeak-voice.js';
import { isEnglish } from './languages.js';
import { languageName } from './parse-language-tag.js';
import { UnknownVoiceError } from './unknown-voice-error.js';

/** flite's English voices narrate offers, by the name a user gives. */
export const FLITE_VOICES = ['rms', 'slt', 'awb', 'kal'] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

/** The voice an English book is read with offline when the voice name says nothing more (`alloy`, the default). */
export const DEFAULT_FLITE_VOICE: FliteVoice = 'rms';

/** Who each flite voice is, for messages and docs. */
export const FLITE_VOICE_DESCRIPTIONS: Readonly<Record<FliteVoice, string>> = {
  rms: 'American English, male',
  slt: 'American English, female',
  awb: 'Scottish English, male',
  kal: 'American English, male (diphone)',
};

/**
 * The chat model's voices as flite voices, so a manifest written for the model reads offline too:
 * the female voices as slt, the ones the model gives a British lilt as awb, the rest as rms.
 */
const CHAT_TO_FLITE: Readonly<Record<string, FliteVoice>> = {
  alloy: 'rms',
  ash: 'rms',
  ballad: 'awb',
  coral: 'slt',
  echo: 'rms',
  fable: 'awb',
  nova: 'slt',
  onyx: 'rms',
  sage: 'slt',
  shimmer: 'slt',
  verse: 'awb',
};

/** An engine and one of its voices: what actually reads the text. */
export type OfflineVoice =
  | { engine: 'flite'; voice: FliteVoice; warning?: undefined }
  /** `warning`: the book's language has no espeak-ng voice, so an English one reads it. */
  | { engine: 'espeak-ng'; voice: string; warning?: string };

function isFliteVoice(name: string): name is FliteVoice {
  return (FLITE_VOICES as readonly string[]).includes(name);
}

/**
 * How the offline voice reads `name` in a book of `language` (BCP 47; English when absent). English:
 * a flite voice by its name, a chat voice name mapped to one, or an espeak-ng voice named outright
 * (`en-gb+m3`). Any other language: espeak-ng, by a chat voice name (that language's voice with the
 * chat voice's variant) or by its own name. Throws UnknownVoiceError listing the voices for the language.
 */
export function offlineVoice(name: string, language: string | undefined): OfflineVoice {
  const english = isEnglish(language);
  const lower = name.toLowerCase();
  if (english) {
    if (isFliteVoice(lower)) return { engine: 'flite', voice: lower };
    const chat = CHAT_TO_FLITE[name];
    if (chat !== undefined) return { engine: 'flite', voice: chat };
  } else if (isFliteVoice(lower)) {
    throw new UnknownVoiceError(
      name,
      `"${name}" is one of flite's English voices, and this book is in ${describe(language)}, which espeak-ng reads offline: ${offlineVoiceChoices(language)}`,
    );
  }
  if (CHAT_VOICE_NAMES.includes(name)) {
    const espeak = espeakVoice(name, language);
    return espeak.warning === undefined ? { engine: 'espeak-ng', voice: espeak.voice } : { engine: 'espeak-ng', voice: espeak.voice, warning: espeak.warning };
  }
  if (isEspeakVoice(name)) return { engine: 'espeak-ng', voice: name };
  throw new UnknownVoiceError(name, `no offline voice is called "${name}" (for a book in ${describe(language)}): ${offlineVoiceChoices(language)}`);
}

/** The voices a book in `language` can be read with offline, as a sentence for a message. */
export function offlineVoiceChoices(language: string | undefined): string {
  const chat = `or a chat voice name (${CHAT_VOICE_NAMES.join(', ')})`;
  if (isEnglish(language)) {
    const flite = FLITE_VOICES.map((v) => (v === DEFAULT_FLITE_VOICE ? `${v} (the default)` : v)).join(', ');
    return `choose ${flite} (flite), ${chat}, or an espeak-ng English voice such as en-gb or en-us+f2`;
  }
  const own = espeakVoicesFor(language ?? 'en');
  if (own.length === 0) return `espeak-ng has no voice for it; choose an espeak-ng voice of another language such as en-us or fr-fr (with a variant such as +f2 or +m3 if you like), ${chat}`;
  return `choose ${own.join(', ')} (espeak-ng, with a variant such as +f2 or +m3 if you like), ${chat}`;
}

function describe(language: string | undefined): string {
  return language === undefined ? 'English' : `${languageName(language)} (${language})`;
}
