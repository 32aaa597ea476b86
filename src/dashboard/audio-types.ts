/** Content types of the audio files a book can have, by extension: the only files the dashboard serves. */
export const AUDIO_TYPES: ReadonlyMap<string, string> = new Map([
  ['.m4b', 'audio/mp4'],
  ['.m4a', 'audio/mp4'],
  ['.mp3', 'audio/mpeg'],
  ['.wav', 'audio/wav'],
  ['.opus', 'audio/ogg'],
  ['.ogg', 'audio/ogg'],
  ['.flac', 'audio/flac'],
]);
