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

/** The chat model's voice names, which the offline voice also answers to. */
export const CHAT_VOICE_NAMES: readonly string[] = Object.keys(CHAT_VOICES);

/**
 * Primary language subtags espeak-ng's npm build (1.52, WASM) has a voice for, from `espeak-ng --voices`;
 * a language here but not in KNOWN_LANGUAGES is read with the voice of the same name.
 */
const ESPEAK_LANGUAGES: ReadonlySet<string> = new Set(
  ('af am an ar as az ba be bg bn bpy bs ca cmn cs cv cy da de el en eo es et eu fa fi fr ga gd gn grc gu hak haw he hi hr ht hu hy ' +
    'hyw ia id io is it ja jbo ka kk kl kn ko kok ku ky la lb lfn lt ltg lv mi mk ml mr ms mt my nb nci ne nl nog om or pa pap pl pt ' +
    'qu quc ro ru sd shn si sk sl smj sq sr sv sw ta te th tk tn tr tt ug uk ur uz vi yue').split(' '),
);

/**
 * Every voice of espeak-ng's npm build (1.52, WASM), as `espeak-ng --voices` prints them: its name, then
 * after ":" the other language names it answers to. Names are matched without regard to case, as espeak does.
 * test/unit/language/offline-voice.test.ts checks this list against the package, so an upgrade cannot drift from it.
 */
export const ESPEAK_VOICE_TABLE: readonly string[] = (
  'af am an ar as az ba be bg bn bpy bs ca chr-US-Qaaa-x-west cmn:zh-cmn,zh cmn-latn-pinyin:zh-cmn,zh cs cv cy da ' +
  'de el en-029:en en-gb:en en-gb-scotland:en en-gb-x-gbclan:en-gb,en en-gb-x-gbcwmd:en-gb,en en-gb-x-rp:en-gb,en ' +
  'en-us:en en-us-nyc eo es es-419:es-mx et eu fa fa-latn fi fr-be:fr fr-ch:fr fr-fr:fr ga gd gn grc gu hak haw ' +
  'he hi hr:hbs ht hu hy:hy-arevela hyw:hy-arevmda,hy ia id io is it ja jbo ka kk kl kn ko kok ku ky la lb lfn lt ' +
  'ltg lv mi mk ml mr ms mt mto my nb:no nci ne nl nog om or pa pap piqd pl pt:pt-pt pt-br:pt py qdb qu quc qya ' +
  'ro ru ru-cl ru-lv sd shn si sjn sk sl smj sq sr sv sw ta te th tk tn tr tt ug uk ur uz vi vi-vn-x-central ' +
  'vi-vn-x-south yue:zh-yue,zh'
).split(' ');

/**
 * espeak-ng's voice variants (`espeak-ng --voices=variant`), added to a voice after "+" (`fr-fr+f2`).
 * espeak matches them with case and silently ignores one it does not have, so they are checked here.
 */
export const ESPEAK_VARIANTS: ReadonlySet<string> = new Set(
  ('adam Alex Alicia Andrea Andy Annie antonio aunty belinda benjamin boris caleb david Demonic Denis Diogo ed ' +
    'edward edward2 Gene Gene2 gustave announcer Henrique Hugo ian iven iven2 iven3 iven4 Jacky john kaukovalta Lee ' +
    'linda marcelo Marco Mario max Michael michel miguel Mike mike2 Mr Nguyen pablo paul pedro quincy Reed ' +
    'RicishayMax RicishayMax2 RicishayMax3 rob robert robosoft robosoft2 robosoft3 robosoft4 robosoft5 robosoft6 ' +
    'robosoft7 robosoft8 steph steph2 steph3 Storm Tweaky UniRobot zac anika anikaRobot AnxiousAndy fast f2 f3 f4 ' +
    'f5 whisperf grandpa klatt klatt2 klatt3 klatt4 klatt5 klatt6 m2 m3 m4 m5 m6 m7 norbert sandro shelby travis ' +
    'victor whisper m8 f1 croak m1 grandma').split(' '),
);

/** Each voice name (lower case) → the names it answers to, itself included. */
const ESPEAK_VOICES: ReadonlyMap<string, readonly string[]> = new Map(
  ESPEAK_VOICE_TABLE.map((row) => {
    const [name = row, others = ''] = row.split(':');
    return [name.toLowerCase(), [name.toLowerCase(), ...others.split(',').filter((o) => o !== '')]];
  }),
);

/** Every name `-v` accepts before the variant: voice names and the language names they answer to. */
const ESPEAK_NAMES: ReadonlySet<string> = new Set([...ESPEAK_VOICES.values()].flat());

/** Whether espeak-ng has this voice (`en-gb`, `fr`, `de+m3`): a known name, and a known variant if one follows "+". */
export function isEspeakVoice(name: string): boolean {
  const [voice = '', variant, ...rest] = name.split('+');
  if (rest.length > 0 || !ESPEAK_NAMES.has(voice.toLowerCase())) return false;
  return variant === undefined || ESPEAK_VARIANTS.has(variant);
}

/** espeak-ng's voices for a language ("fr" → fr-be, fr-ch, fr-fr): those named for it or answering to it. */
export function espeakVoicesFor(language: string): string[] {
  const base = baseLanguage(language);
  const known = knownLanguage(language)?.espeak;
  return [...ESPEAK_VOICES.entries()]
    .filter(([name, answers]) => baseLanguage(name) === base || name === known || answers.some((a) => baseLanguage(a) === base))
    .map(([name]) => name);
}

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
