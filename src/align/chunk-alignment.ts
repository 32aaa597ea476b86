/** Where one sentence of a chunk lies in the chunk's audio. */
export interface SentenceTiming {
  /** From the start of the chunk's audio to where the sentence's speech starts, and to where it ends. */
  startMs: number;
  endMs: number;
  /** How closely the reading matched the reference over this sentence: 1 alike, 0 no better than unrelated speech. */
  confidence: number;
  /** How long the reference voice takes to say the sentence (0 for a sentence with nothing to say). */
  referenceMs: number;
  /**
   * For the sentences that fit worst, the skip test: how much the alignment's cost per reference frame
   * rises when the sentence is left out (in units of the distance between unrelated frames). About 0
   * or above when the audio says it; well below 0 when the audio fits better without it: missing.
   */
  evidence?: number;
}

/** The alignment of one chunk's reading with its sentences. */
export interface ChunkAlignment {
  /** One per sentence given, in order. */
  sentences: SentenceTiming[];
  /**
   * Mean distance along the warp path over the mean distance between unrelated frames of the two
   * signals: about 0.5 for a reading of the text, near 1 for audio that says something else.
   */
  cost: number;
  /** The reading's length. */
  durationMs: number;
  /** The voice the reading was compared with; `speaksLanguage` false means the timings are not to be trusted. */
  reference: { engine: string; voice: string; speaksLanguage: boolean };
  /** Wall time spent rendering the reference and aligning, and the DTW cells computed. */
  work: { renderMs: number; alignMs: number; cells: number };
}
