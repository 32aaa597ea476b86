import pLimit from 'p-limit';
import type { PartResult, PartSpec } from '../queue/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';
import { measureFileLoudness } from './measure-loudness.js';
import { presetOf, reportedGainDb } from './part-hooks.js';
import type { BookSettings } from '../queue/job-data.js';
import { pauseSamples } from './part-layout.js';

/** The manifest's `loudness`: the preset, its target, and what ffmpeg's ebur128 measures on the finished file. */
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
}

/** Measures the finished file (one decode through ebur128) and says what it was aimed at. */
export async function loudnessReport(book: Pick<BookSettings, 'finish'>, file: string, signal?: AbortSignal): Promise<LoudnessReport> {
  const preset = presetOf(book);
  const measured = await measureFileLoudness(file, signal);
  return {
    preset: book.finish?.loudness ?? 'off',
    target: preset.measure === undefined ? null : preset.target,
    measure: preset.measure ?? null,
    ceiling: preset.measure === undefined ? null : preset.ceiling,
    ...measured,
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
