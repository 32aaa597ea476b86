import { isEnglish } from '../language/languages.js';
import { languageName } from '../language/parse-language-tag.js';

/** What the speech endpoint's `instructions` are built from. */
export interface SpeechInstructionsOptions {
  /** The book's voice style; an empty string leaves it out. */
  style?: string | undefined;
  /** The book's language (BCP 47); English adds nothing. */
  language?: string | undefined;
  /** Pronunciation hints ("山路 = やまみち"). */
  hints?: string | undefined;
}

/**
 * The `instructions` of POST /audio/speech: how to speak, never what to say. A text-to-speech model
 * reads its `input` and nothing else, so the chat model's guard sentences (do not answer, do not
 * summarise) have no place here; only the style, the language and the pronunciations do.
 * Undefined when there is nothing to say.
 */
export function speechInstructions(options: SpeechInstructionsOptions): string | undefined {
  const parts: string[] = [];
  const style = options.style?.trim() ?? '';
  if (style !== '') parts.push(`Voice and style: ${style}.`.replace(/\.\.$/u, '.'));
  if (!isEnglish(options.language)) {
    const name = languageName(options.language ?? 'en');
    parts.push(`The text is in ${name} (${options.language}): speak it with ${name} pronunciation, as a native ${name} narrator would.`);
  }
  if (options.hints !== undefined && options.hints !== '') parts.push(`Pronunciation: ${options.hints}. Say each of these words with that reading.`);
  return parts.length === 0 ? undefined : parts.join(' ');
}

/**
 * Whether a speech model takes `instructions`: OpenAI's reference says they do not work with tts-1
 * or tts-1-hd; gpt-4o-mini-tts and the models of other OpenAI-compatible servers get them.
 */
export function takesInstructions(model: string): boolean {
  return !/^tts-1(-hd)?(-|$)/.test(model);
}
