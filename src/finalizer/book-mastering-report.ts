import pLimit from 'p-limit';
import { loudnessOfSummary, mergeLoudnessSummaries, type LoudnessSummary } from '../audio/loudness-summary.js';
import type { PartResult, PartSpec } from '../contracts/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';
import { measureFileLoudness } from './measure-loudness.js';
import { presetOf, reportedGainDb } from './part-hooks.js';
import type { BookSettings } from '../contracts/job-data.js';
import { pauseSamples } from './part-layout.js';

/** The manifest's `loudness`: the preset, its target, and what was measured on the finished audio (EBU R128). */
export interface LoudnessReport {
  preset: string;
  /** LUFS, or dBFS RMS for acx; null for off. */
  target: number | null;
  /** What `target` is measured in. */
  measure: 'lufs' | 'rms' | null;
  ceiling: number | null;
  integrated: number;
  truePeak: number;
  lra: number;
  /** Unweighted RMS over the whole file, dBFS: what ACX measures. Reports merged from parts carry it. */
  rms?: number;
}

/** Measures the finished file (one decode through ebur128) and says what it was aimed at. */
export async function loudnessReport(book: Pick<BookSettings, 'finish'>, file: string, signal?: AbortSignal): Promise<LoudnessReport> {
  return { ...aim(book), ...(await measureFileLoudness(file, signal)) };
}

/**
 * The same report merged from the encoded parts' own measurements (each decoded as it was encoded,
 * while the book was narrated): no decode of the finished file after the last chunk. Rounded to
 * the decimal ffmpeg prints; `rms` is ACX's unweighted RMS (dBFS). Undefined when a part carries
 * no measurement (queued by an older version): the caller then measures the file.
 */
export function mergedLoudnessReport(book: Pick<BookSettings, 'finish'>, parts: readonly Pick<PartResult, 'loudness'>[]): LoudnessReport | undefined {
  const summaries = parts.map((p) => p.loudness);
  if (summaries.length === 0 || summaries.some((s) => s === undefined)) return undefined;
  const l = loudnessOfSummary(mergeLoudnessSummaries(summaries as LoudnessSummary[]));
  return { ...aim(book), integrated: tenth(l.integrated, -70), truePeak: tenth(l.truePeak, -Infinity), lra: tenth(l.lra, 0), rms: tenth(l.rms, -Infinity) };
}

/** One decimal, as ffmpeg prints; below measure (-Infinity has no JSON) reads as `floor`, or -99. */
function tenth(v: number, floor: number): number {
  const x = Number.isFinite(v) ? v : floor;
  return Number.isFinite(x) ? Math.round(x * 10) / 10 : -99;
}

function aim(book: Pick<BookSettings, 'finish'>): Pick<LoudnessReport, 'preset' | 'target' | 'measure' | 'ceiling'> {
  const preset = presetOf(book);
  return {
    preset: book.finish?.loudness ?? 'off',
    target: preset.measure === undefined ? null : preset.target,
    measure: preset.measure ?? null,
    ceiling: preset.measure === undefined ? null : preset.ceiling,
  };
}

/**
 * Where each chunk's voice starts and ends on the book's timeline (ms), from the parts' layouts:
 * each part is its head pause, its segments with the pauses between them, and its tail. Pure.
 */
export function chunkTimeline(specs: readonly PartSpec[], parts: readonly PartResult[], pauses: ReadonlyMap<number, Parameters<typeof pauseSamples>[0]>, rate: number): Map<number, { startMs: number; endMs: number }> {
  const out = new Map<number, { startMs: number; endMs: number }>();
  let partStart = 0;
  parts.forEach((p, i) => {
    void specs[i];
    let at = partStart + p.headSamples;
    p.chunks.forEach((c, k) => {
      out.set(c.index, { startMs: Math.round((at * 1000) / rate), endMs: Math.round(((at + c.samples) * 1000) / rate) });
      at += c.samples;
      if (k < p.chunks.length - 1) at += pauseSamples(pauses.get(c.index) ?? 'none', rate);
    });
    partStart += p.samples;
  });
  return out;
}

/** The mastering gain applied to each chunk's segment (dB), for the manifest. */
export async function chunkGains(book: Pick<BookSettings, 'finish'>, keys: { index: number; key: string }[], store: SegmentStore, signal?: AbortSignal): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (presetOf(book).measure === undefined) {
    for (const { index } of keys) out.set(index, 0);
    return out;
  }
  // A HEAD each (the loudness travels in it), a few at a time: a bucket answers in milliseconds, not microseconds.
  const limit = pLimit(16);
  await Promise.all(
    keys.map(({ index, key }) =>
      limit(async () => {
        const head = await store.head(key, signal);
        out.set(index, head ? await reportedGainDb(store, { key, ...head }, book, signal) : 0);
      }),
    ),
  );
  return out;
}
