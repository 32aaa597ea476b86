import { espeakRender, type Pcm } from './espeak-render.js';
import type { ReferenceVoice } from './reference-voice.js';
import { speechExtent } from './speech-extent.js';

/** The reference reading of a chunk: its sentences spoken one after another, where each one's speech lies. */
export interface ReferenceRendering extends Pcm {
  /** Per sentence, its speech in `samples` (end exclusive); start === end for a sentence with nothing to say. */
  spans: Array<{ start: number; end: number }>;
}

/** Between sentences in the single espeak-ng run: far longer than any pause espeak-ng makes by itself (≤ 0.5 s). */
const BREAK_MS = 1500;
/** A silent run at least this long is one of our breaks. */
const BREAK_FOUND_MS = 1300;
/** Silence before the first sentence, between sentences and after the last, in the reference. */
const EDGE_MS = 200;
const GAP_MS = 250;
/** Samples this close to zero are espeak-ng's silence (its pauses are digital zeros). */
const SILENT = 8;

const speakable = (sentence: string) => /[\p{L}\p{N}]/u.test(sentence);
const escapeSsml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Renders each sentence with the reference voice so its boundaries are known, and lays them out with
 * the same short pause between each. One espeak-ng run speaks them all, separated by SSML breaks far
 * longer than any pause of its own, and is cut at those breaks: an instance per sentence would cost
 * ~0.1 s of CPU each, more than the rest of the alignment. Should the cut not find one break per
 * sentence boundary, each sentence is rendered on its own instead.
 */
export async function renderReference(sentences: readonly string[], voice: ReferenceVoice): Promise<ReferenceRendering> {
  const spoken = sentences.map((s, i) => ({ text: s, index: i })).filter((s) => speakable(s.text));
  const args = ['-v', voice.voice];
  let pieces: Int16Array[] | undefined;
  let sampleRate = 22050;
  if (spoken.length > 0) {
    const ssml = `<speak>${spoken.map((s) => escapeSsml(s.text)).join(`<break time="${BREAK_MS}ms"/>`)}</speak>`;
    const all = await espeakRender(ssml, ['-m', ...args]);
    sampleRate = all.sampleRate;
    pieces = cutAtBreaks(all.samples, all.sampleRate, spoken.length);
    if (pieces === undefined) {
      pieces = [];
      for (const s of spoken) pieces.push((await espeakRender(s.text, args)).samples);
    }
  }
  const edge = Math.round((EDGE_MS * sampleRate) / 1000);
  const gap = Math.round((GAP_MS * sampleRate) / 1000);
  const trimmed = (pieces ?? []).map((p) => {
    const { start, end } = speechExtent(p, sampleRate);
    return p.subarray(start, end);
  });
  const length = 2 * edge + trimmed.reduce((n, p) => n + p.length, 0) + gap * Math.max(0, trimmed.length - 1);
  const samples = new Int16Array(length);
  const spans = sentences.map(() => ({ start: edge, end: edge }));
  let at = edge;
  trimmed.forEach((piece, k) => {
    if (k > 0) at += gap;
    samples.set(piece, at);
    spans[spoken[k]!.index] = { start: at, end: at + piece.length };
    at += piece.length;
  });
  // A sentence with nothing to say sits, zero-long, where the next spoken one starts (or the last ended).
  for (let i = sentences.length - 1, next = at; i >= 0; i--) {
    if (speakable(sentences[i]!)) next = spans[i]!.start;
    else spans[i] = { start: next, end: next };
  }
  return { samples, sampleRate, spans };
}

/** The `count` pieces between our breaks, or undefined unless there is exactly one break between each two sentences. */
function cutAtBreaks(samples: Int16Array, sampleRate: number, count: number): Int16Array[] | undefined {
  const runs: Array<{ start: number; end: number }> = [];
  let runStart = -1;
  for (let i = 0; i <= samples.length; i++) {
    const quiet = i < samples.length && Math.abs(samples[i]!) <= SILENT;
    if (quiet && runStart < 0) runStart = i;
    if (!quiet && runStart >= 0) {
      if (runStart > 0 && i < samples.length) runs.push({ start: runStart, end: i });
      runStart = -1;
    }
  }
  const shortest = (BREAK_FOUND_MS * sampleRate) / 1000;
  const breaks = runs.filter((r) => r.end - r.start >= shortest);
  if (breaks.length !== count - 1) return undefined;
  const pieces: Int16Array[] = [];
  let from = 0;
  for (const r of breaks) {
    pieces.push(samples.subarray(from, r.start));
    from = r.end;
  }
  pieces.push(samples.subarray(from));
  return pieces;
}
