import { open } from 'node:fs/promises';
import type { WavInfo } from '../audio/parse-wav.js';
import { alignChunk } from '../align/align-chunk.js';
import { judgeAlignment, type AlignmentVerdict } from '../align/judge-alignment.js';
import type { ChunkAlignment } from '../align/chunk-alignment.js';
import { chunkSentences } from '../producer/chunk-sentences.js';
import type { SegmentTimings } from '../contracts/segment-timings.js';

/** An accepted reading's sentence timings and the check's verdict on them. */
export interface AlignedReading {
  /** Undefined when the reference voice does not speak the book's language: its timings would be noise. */
  timings: SegmentTimings | undefined;
  verdict: AlignmentVerdict;
}

/** The aligner's signature (alignReading), so the worker can be given another (a test's failing one). */
export type AlignReading = (audio: WavInfo & { path: string }, text: string, language: string | undefined) => Promise<AlignedReading>;

/**
 * Aligns a reading (a mono 16-bit WAV on this machine) with the sentences of the text it reads, as
 * the producer cuts them (producer/chunk-sentences.ts), and judges whether it says every one.
 */
export async function alignReading(audio: WavInfo & { path: string }, text: string, language: string | undefined): Promise<AlignedReading> {
  const sentences = chunkSentences(text, language);
  const pcm = await readPcm(audio);
  const alignment = await alignChunk({ pcm, sampleRate: audio.format.sampleRate, sentences, language });
  return { timings: alignment.reference.speaksLanguage ? segmentTimings(alignment, sentences) : undefined, verdict: judgeAlignment(alignment, sentences) };
}

/** What is kept with the segment: whole milliseconds and two-digit confidences (the metadata stays small). */
export function segmentTimings(alignment: ChunkAlignment, sentences: readonly string[]): SegmentTimings {
  return {
    reference: alignment.reference.voice,
    cost: Math.round(alignment.cost * 1000) / 1000,
    sentences: alignment.sentences.map((s, i) => ({
      text: sentences[i] ?? '',
      startMs: Math.round(s.startMs),
      endMs: Math.round(s.endMs),
      confidence: Math.round(s.confidence * 100) / 100,
    })),
  };
}

/** The timings of two readings joined with `gapMs` of silence between them (a chunk narrated in halves). */
export function joinTimings(first: SegmentTimings | undefined, firstMs: number, gapMs: number, second: SegmentTimings | undefined): SegmentTimings | undefined {
  if (first === undefined || second === undefined) return undefined;
  const offset = Math.round(firstMs + gapMs);
  return {
    reference: first.reference,
    cost: Math.max(first.cost, second.cost),
    sentences: [...first.sentences, ...second.sentences.map((s) => ({ ...s, startMs: s.startMs + offset, endMs: s.endMs + offset }))],
  };
}

/** The WAV's samples (16-bit little-endian mono, as every reading in the book's format is). */
async function readPcm(audio: WavInfo & { path: string }): Promise<Int16Array> {
  const handle = await open(audio.path, 'r');
  try {
    const bytes = Buffer.alloc(audio.dataBytes);
    await handle.read(bytes, 0, audio.dataBytes, audio.dataOffset);
    // Copied into an aligned buffer: a Buffer's offset in its pool need not be a multiple of 2.
    const pcm = new Int16Array(audio.dataBytes >> 1);
    for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
    return pcm;
  } finally {
    await handle.close();
  }
}
