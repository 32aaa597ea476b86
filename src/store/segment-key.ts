import { createHash } from 'node:crypto';

/** Everything that decides what a segment sounds like. */
export interface SegmentKeyParts {
  provider: string;
  model: string;
  voice: string;
  instructions: string;
  text: string;
}

/**
 * The content hash a segment is stored under. Changing any part (one word, the voice, the model,
 * the instructions) gives a new key; narrating the same text again finds the old one.
 */
export function segmentKey(parts: SegmentKeyParts): string {
  const canonical = JSON.stringify([1, parts.provider, parts.model, parts.voice, parts.instructions, parts.text]);
  return createHash('sha256').update(canonical).digest('hex');
}
