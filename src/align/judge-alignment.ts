import type { ChunkAlignment } from './chunk-alignment.js';

/** The verdict on a reading from its alignment: fine, or suspect with what looked wrong. */
export type AlignmentVerdict = { ok: true } | { ok: false; suspect: 'alignment'; reason: string; sentence?: number };

/** Thresholds of the check; the defaults are what the bench measured (docs/read-along.md). */
export interface JudgeOptions {
  /** A sentence aligned to less than this share of the time its text needs is missing from the audio. Default 0.35. */
  shortShare: number;
  /** Sentences the reference says in less than this are too short to judge by length. Default 250 ms. */
  minReferenceMs: number;
  /** A chunk whose alignment cost (see ChunkAlignment.cost) is above this does not say its text. Default 0.85. */
  maxCost: number;
  /**
   * A sentence whose skip test (SentenceTiming.evidence) is below this is missing from the audio when the
   * warp also gave it less than `confirmShare` of the time its text needs. Default -0.35.
   */
  minEvidence: number;
  /** A skip test below this is enough on its own, whatever the sentence's length. Default -0.55. */
  strongEvidence?: number;
  /** See minEvidence. Default 0.6. */
  confirmShare?: number;
}

export const DEFAULT_JUDGE: Readonly<Required<JudgeOptions>> = Object.freeze({ shortShare: 0.35, minReferenceMs: 250, maxCost: 0.85, minEvidence: -0.35, strongEvidence: -0.55, confirmShare: 0.6 });

/**
 * Whether the audio says every sentence. A sentence is missing when the warp squeezed it far below the
 * time its text needs (the reference voice's time, scaled by this reading's pace: the median over its
 * sentences, which one missing sentence does not move), or when the audio fits the text better without
 * it (the skip test, SentenceTiming.evidence): clearly, or a little and the sentence's time is short too. A chunk whose whole path costs about as much as unrelated
 * speech is not a reading of its text. Pure.
 */
export function judgeAlignment(alignment: ChunkAlignment, sentences: readonly string[], options: JudgeOptions = DEFAULT_JUDGE): AlignmentVerdict {
  // Without a voice for the language, the reference says other words: nothing to judge by.
  if (!alignment.reference.speaksLanguage) return { ok: true };
  if (alignment.cost > options.maxCost) {
    return { ok: false, suspect: 'alignment', reason: `the audio does not follow the text (alignment cost ${alignment.cost.toFixed(2)}, above ${options.maxCost})` };
  }
  const quote = (index: number) => {
    const text = (sentences[index] ?? '').trim();
    return `sentence ${index + 1} ("${text.length > 60 ? `${text.slice(0, 57)}...` : text}")`;
  };
  const pace = readingPace(alignment);
  let short: { index: number; share: number } | undefined;
  let unheard: { index: number; evidence: number } | undefined;
  const strong = options.strongEvidence ?? DEFAULT_JUDGE.strongEvidence;
  const confirm = options.confirmShare ?? DEFAULT_JUDGE.confirmShare;
  alignment.sentences.forEach((s, index) => {
    const share = s.referenceMs > 0 ? (s.endMs - s.startMs) / (s.referenceMs * pace) : 1;
    // A weak skip test alone rejected short sentences read at a changed pace (1.4% of good readings,
    // skip tests down to -0.49, each aligned to 0.7 or more of its time); a missing sentence's weak test
    // comes with its time squeezed (0.56 or less) or is strong on its own.
    const missing = s.evidence !== undefined && (s.evidence < strong || (s.evidence < options.minEvidence && share < confirm));
    if (missing && (unheard === undefined || s.evidence! < unheard.evidence)) unheard = { index, evidence: s.evidence! };
    if (s.referenceMs < options.minReferenceMs) return;
    if (share < options.shortShare && (short === undefined || share < short.share)) short = { index, share };
  });
  if (short !== undefined) {
    const s = alignment.sentences[short.index]!;
    return {
      ok: false,
      suspect: 'alignment',
      sentence: short.index,
      reason: `${quote(short.index)} lasts ${((s.endMs - s.startMs) / 1000).toFixed(2)} s in the audio where its text needs about ${((s.referenceMs * pace) / 1000).toFixed(1)} s: it seems to be missing`,
    };
  }
  if (unheard !== undefined) {
    return {
      ok: false,
      suspect: 'alignment',
      sentence: unheard.index,
      reason: `${quote(unheard.index)} seems to be missing: the audio fits the text better without it (skip test ${unheard.evidence.toFixed(2)})`,
    };
  }
  return { ok: true };
}

/** The reading's time over the reference's, the median over sentences long enough to say. */
export function readingPace(alignment: ChunkAlignment): number {
  const ratios = alignment.sentences.filter((s) => s.referenceMs > 0).map((s) => (s.endMs - s.startMs) / s.referenceMs).sort((a, b) => a - b);
  if (ratios.length === 0) return 1;
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}
