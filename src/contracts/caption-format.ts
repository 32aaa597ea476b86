/** The caption formats `--captions` takes. */
export type CaptionFormat = 'vtt' | 'srt';
export const CAPTION_FORMATS: readonly CaptionFormat[] = ['vtt', 'srt'];
