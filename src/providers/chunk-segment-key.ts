import type { Narrator } from './narrator.js';
import type { SynthesizeJobData } from '../contracts/job-data.js';
import { segmentKey } from '../store/segment-key.js';
import { narrationInstructions } from './narration-instructions.js';

/** The key a chunk's segment is stored under when `narrator` reads it: the cache question a worker asks, and what a submit expects a book to hold. */
export function chunkSegmentKey(chunk: Pick<SynthesizeJobData, 'text' | 'voice' | 'style' | 'language' | 'hints'>, narrator: Pick<Narrator, 'name' | 'model'>): string {
  return segmentKey({
    provider: narrator.name,
    model: narrator.model,
    voice: chunk.voice,
    instructions: narrationInstructions(chunk),
    text: chunk.text,
  });
}
