/**
 * The longest `input` POST /audio/speech accepts, in characters (OpenAI's API reference): books
 * read by the speech endpoint are chunked to at most this, and a longer chunk is refused unsent.
 */
export const SPEECH_MAX_INPUT_CHARS = 4096;
