import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BookLedger } from '../money/book-ledger.js';
import type { Narrator } from '../providers/narrator.js';
import type { SynthesizeJobData, SynthesizeResult } from '../queue/job-data.js';
import { measureSegmentLoudness, type SegmentLoudness } from '../audio/segment-loudness.js';
import { segmentKey } from '../store/segment-key.js';
import type { AudioSpool } from '../store/audio-spool.js';
import type { SegmentStore } from '../store/segment-store.js';
import { narrationInstructions } from './narration-instructions.js';
import type { CallSlots } from './call-slots.js';
import { narrateChunk, type VerifiedNarration, type VerifyOptions } from './narrate-chunk.js';

/** What the synthesize step needs from its surroundings, passed in so tests can choose. */
export interface SynthesizeDeps {
  narrator: Narrator;
  store: SegmentStore;
  /** Where audio waits while it is checked (for a directory store: on its filesystem, so storing is a rename). */
  spool: AudioSpool;
  verify?: Partial<VerifyOptions>;
  /** The worker's model calls in flight; without it, no limit beyond the caller's own. */
  slots?: CallSlots;
  /** Checks each model call against the book's state and budgets, and charges it; without it, calls are free and unchecked. */
  ledger?: BookLedger;
}

/**
 * One chunk, start to finish: the store answers first (a segment already bought is never bought
 * again, whichever book or worker bought it); otherwise narrate, verify, store, and report.
 */
export async function synthesizeChunk(data: SynthesizeJobData, deps: SynthesizeDeps, signal?: AbortSignal): Promise<SynthesizeResult> {
  const { store, spool } = deps;
  const narrator = deps.ledger ? deps.ledger.guard(deps.narrator, data.bookId) : deps.narrator;
  const key = segmentKey({
    provider: narrator.name,
    model: narrator.model,
    voice: data.voice,
    instructions: narrationInstructions({ style: data.style, ...(data.language === undefined ? {} : { language: data.language }), ...(data.hints ? { hints: data.hints } : {}) }),
    text: data.text,
  });
  const base = { index: data.index, key, provider: narrator.name, model: narrator.model, chars: data.text.length };
  // A HEAD, not a download: the store answers the cache question without the audio.
  const stored = await store.head(key, signal);
  if (stored) {
    return { ...base, durationMs: stored.meta.durationMs, cached: true, calls: 0, similarity: stored.meta.similarity, rejections: [], usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, costUsd: 0, rejectedCostUsd: 0 };
  }
  // The slot is held through every reading of the chunk and given up before the store write.
  const release = deps.slots ? await deps.slots.acquire(signal) : undefined;
  let reading: VerifiedNarration;
  let loudness: SegmentLoudness;
  try {
    reading = await narrateChunk(data.text, {
      narrator,
      spool,
      voice: data.voice,
      style: data.style,
      ...(data.hints ? { hints: data.hints } : {}),
      ...(data.language === undefined ? {} : { language: data.language }),
      ...(deps.verify ? { options: deps.verify } : {}),
      ...(signal ? { signal } : {}),
    });
    // Measured once, in the spool, while the slot is still held: a job whose audio is not yet
    // stored counts as in flight, so a crash never loses more readings than there are slots.
    loudness = await measureSegmentLoudness(reading.audio).catch(async (error: unknown) => {
      await spool.discard(reading.audio.path);
      throw error;
    });
  } finally {
    release?.();
  }
  // The store's calls are in-line (sync): let the job that just got the slot send its request first.
  if (release) await nextTurn();
  const ms = reading.audio.durationMs;
  // Already a canonical WAV (the spool writes them so, and so does a join of split halves).
  let ready: string | undefined = reading.audio.path;
  try {
    await store.put(key, ready, {
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
      loudness,
    });
    ready = undefined;
  } finally {
    // Only left over when storing failed: never leave audio behind in the spool.
    await spool.discard(ready);
  }
  const cost = deps.ledger ? chunkCost(deps.ledger, narrator.model, reading) : {};
  return { ...base, durationMs: ms, cached: false, calls: reading.calls, similarity: reading.similarity, rejections: reading.rejections, usage: reading.usage, ...cost };
}

/** What a chunk's readings cost, and the part the rejected ones cost. */
function chunkCost(ledger: BookLedger, model: string, reading: VerifiedNarration): { costUsd: number; rejectedCostUsd: number } {
  const rejectedCostUsd = reading.rejections.reduce((sum, r) => sum + (r.usage ? ledger.costOf(model, r.usage) : 0), 0);
  return { costUsd: ledger.costOf(model, reading.usage), rejectedCostUsd };
}
