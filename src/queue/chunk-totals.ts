import { sumUsage, type TokenUsage } from '../contracts/token-usage.js';
import type { SynthesizeResult } from '../contracts/job-data.js';

/** What a book's chunks add up to: the numbers that say what it cost and whether to trust it. */
export interface ChunkTotals {
  chunks: number;
  chars: number;
  modelCalls: number;
  cachedChunks: number;
  retriesByReason: Record<string, number>;
  similarity: { min: number; mean: number };
  usage: TokenUsage;
  /** Dollars the chunks' model calls cost in this run (cached chunks cost nothing). */
  costUsd: number;
  /** The part of costUsd that bought rejected readings: the price of fidelity. */
  rejectedCostUsd: number;
  /** Chunks kept without sentence timings because their aligner failed (absent when none): their sentences are not in the captions or the read-along. */
  unalignedChunks?: number[];
}

/** Totals over chunk results; shared by the manifest and `narrate status`. Pure. */
export function chunkTotals(results: readonly Pick<SynthesizeResult, 'chars' | 'calls' | 'cached' | 'rejections' | 'similarity' | 'usage' | 'costUsd' | 'rejectedCostUsd' | 'index' | 'unaligned'>[]): ChunkTotals {
  const retriesByReason: Record<string, number> = {};
  for (const r of results) for (const rej of r.rejections) retriesByReason[rej.reason] = (retriesByReason[rej.reason] ?? 0) + 1;
  const sims = results.map((r) => r.similarity);
  const unaligned = results.filter((r) => r.unaligned !== undefined).map((r) => r.index);
  return {
    chunks: results.length,
    chars: results.reduce((n, r) => n + r.chars, 0),
    modelCalls: results.reduce((n, r) => n + r.calls, 0),
    cachedChunks: results.filter((r) => r.cached).length,
    retriesByReason,
    similarity: {
      min: sims.length ? Math.min(...sims) : 1,
      mean: sims.length ? sims.reduce((a, b) => a + b, 0) / sims.length : 1,
    },
    usage: sumUsage(results.map((r) => r.usage)),
    // Rounded to a millionth of a dollar: sums of floats otherwise print as 0.30000000000000004.
    costUsd: Number(results.reduce((n, r) => n + (r.costUsd ?? 0), 0).toFixed(6)),
    rejectedCostUsd: Number(results.reduce((n, r) => n + (r.rejectedCostUsd ?? 0), 0).toFixed(6)),
    ...(unaligned.length > 0 ? { unalignedChunks: unaligned } : {}),
  };
}
