/**
 * Where each sentence of a segment lies in its audio, as the aligner found it when the reading was
 * accepted (align/align-chunk.ts). Kept with the segment, because it belongs to the audio: a cached
 * segment brings its timings back without a second alignment or a model call.
 */
export interface SegmentTimings {
  /** The voice the reading was compared with (espeak-ng voice name). */
  reference: string;
  /** The alignment's cost: ≈0.6 for a reading of the text, near 1 for audio that says something else. */
  cost: number;
  /** One per sentence of the chunk, in reading order; ms from the start of the segment's audio. */
  sentences: SentenceSpan[];
}

/** One sentence of a segment and where it is heard. */
export interface SentenceSpan {
  text: string;
  startMs: number;
  endMs: number;
  /** How closely the reading matched the reference over this sentence: 1 alike, 0 no better than unrelated speech. */
  confidence: number;
}
