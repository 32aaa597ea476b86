import { durationMs } from '../audio/wav-duration.js';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { writeWav } from '../audio/write-wav.js';
import type { Narrator } from '../providers/narrator.js';
import type { SynthesizeJobData, SynthesizeResult } from '../queue/job-data.js';
import { segmentKey } from '../store/segment-key.js';
import type { SegmentStore } from '../store/segment-store.js';
import { narrationInstructions } from './narration-instructions.js';
import { narrateChunk, type VerifyOptions } from './narrate-chunk.js';

/** What the synthesize step needs from its surroundings, passed in so tests can choose. */
export interface SynthesizeDeps {
  narrator: Narrator;
  store: SegmentStore;
  verify?: Partial<VerifyOptions>;
}

/**
 * One chunk, start to finish: the store answers first (a segment already bought is never bought
 * again, whichever book or worker bought it); otherwise narrate, verify, store, and report.
 */
export async function synthesizeChunk(data: SynthesizeJobData, deps: SynthesizeDeps, signal?: AbortSignal): Promise<SynthesizeResult> {
  const { narrator, store } = deps;
  const key = segmentKey({
    provider: narrator.name,
    model: narrator.model,
    voice: data.voice,
    instructions: narrationInstructions({ style: data.style }),
    text: data.text,
  });
  const base = { index: data.index, key, provider: narrator.name, model: narrator.model, chars: data.text.length };
  const stored = await store.get(key);
  if (stored) {
    return { ...base, durationMs: stored.durationMs, cached: true, calls: 0, similarity: stored.similarity, rejections: [], usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 } };
  }
  const reading = await narrateChunk(data.text, {
    narrator,
    voice: data.voice,
    style: data.style,
    ...(deps.verify ? { options: deps.verify } : {}),
    ...(signal ? { signal } : {}),
  });
  const ms = durationMs(BOOK_FORMAT, reading.pcm.length);
  await store.put(key, writeWav(BOOK_FORMAT, reading.pcm), {
    key,
    provider: narrator.name,
    model: narrator.model,
    voice: data.voice,
    durationMs: ms,
    transcript: reading.transcript,
    similarity: reading.similarity,
    calls: reading.calls,
    rejections: reading.rejections,
    usage: reading.usage,
    createdAt: new Date().toISOString(),
  });
  return { ...base, durationMs: ms, cached: false, calls: reading.calls, similarity: reading.similarity, rejections: reading.rejections, usage: reading.usage };
}
