import { alignToReference, DEFAULT_ALIGN, type AlignOptions } from './align-to-reference.js';
import type { ChunkAlignment } from './chunk-alignment.js';
import { referenceVoice } from './reference-voice.js';
import { renderReference } from './render-reference.js';

/** One accepted reading of a chunk and the sentences its text was cut into. */
export interface AlignChunkInput {
  /** The reading: mono 16-bit samples. */
  pcm: Int16Array;
  sampleRate: number;
  /** The chunk's sentences, in reading order (language/segment-text.ts or producer/split-sentences.ts cut them). */
  sentences: readonly string[];
  /** The book's BCP 47 language; picks the reference voice. */
  language: string | undefined;
}

/**
 * Times every sentence of a reading: renders the sentences with the reference voice (reference-voice.ts),
 * one after another so their boundaries are known, and warps the reading onto that rendering.
 */
export async function alignChunk(input: AlignChunkInput, options: AlignOptions = DEFAULT_ALIGN): Promise<ChunkAlignment> {
  const voice = referenceVoice(input.language);
  const started = performance.now();
  const reference = await renderReference(input.sentences, voice);
  const rendered = performance.now();
  const aligned = alignToReference(input.pcm, input.sampleRate, reference, options);
  return {
    sentences: aligned.sentences,
    cost: aligned.cost,
    durationMs: aligned.durationMs,
    reference: voice,
    work: { renderMs: rendered - started, alignMs: performance.now() - rendered, cells: aligned.cells },
  };
}
