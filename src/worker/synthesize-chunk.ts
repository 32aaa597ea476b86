import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BookLedger } from '../money/book-ledger.js';
import type { Narrator } from '../providers/narrator.js';
import type { SynthesizeJobData, SynthesizeResult } from '../contracts/job-data.js';
import type { WavInfo } from '../audio/parse-wav.js';
import { frameBytes } from '../audio/wav-format.js';
import { measureSegmentLoudness, type SegmentLoudness } from '../audio/segment-loudness.js';
import type { AudioSpool } from '../store/audio-spool.js';
import type { SegmentStore } from '../store/segment-store.js';
import type { SegmentMeta } from '../store/stored-segment.js';
import type { Logger } from '../logger.js';
import { StoreRefusedError } from '../errors.js';
import type { SegmentRefs } from '../queue/segment-refs.js';
import { chunkSegmentKey } from '../providers/chunk-segment-key.js';
import type { CallSlots } from './call-slots.js';
import { narrateChunk, type VerifiedNarration, type VerifyOptions } from './narrate-chunk.js';
import type { AlignReading } from './align-reading.js';

/** What the synthesize step needs from its surroundings, passed in so tests can choose. */
export interface SynthesizeDeps {
  narrator: Narrator;
  store: SegmentStore;
  /** Where audio waits while it is checked (for a directory store: on its filesystem, so storing is a rename). */
  spool: AudioSpool;
  verify?: Partial<VerifyOptions>;
  /** Align every accepted reading with its sentences and reject one that skips a sentence (NARRATE_ALIGN); default off. */
  align?: boolean;
  /** The aligner (default alignReading); a test passes one that fails, to see the reading kept. */
  aligner?: AlignReading;
  /** The worker's model calls in flight; without it, no limit beyond the caller's own. */
  slots?: CallSlots;
  /** Checks each model call against the book's state and budgets, and charges it; without it, calls are free and unchecked. */
  ledger?: BookLedger;
  /** Where a reading kept from a failed store write, or kept for the next attempt, is reported; default: nowhere. */
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Records the segments each book holds, for prune; without it, nothing is recorded. */
  refs?: Pick<SegmentRefs, 'use'>;
}

/**
 * One chunk, start to finish: the store answers first (a segment already bought is never bought
 * again, whichever book or worker bought it); then the spool (a reading an earlier attempt bought
 * but could not store is stored now, without a model call); otherwise narrate, verify, store, and
 * report. A reading that cannot be stored is kept in the spool for the job's next attempt.
 */
export async function synthesizeChunk(data: SynthesizeJobData, deps: SynthesizeDeps, signal?: AbortSignal): Promise<SynthesizeResult> {
  const { store, spool } = deps;
  const narrator = deps.ledger ? deps.ledger.guard(deps.narrator, data.bookId) : deps.narrator;
  const key = chunkSegmentKey(data, narrator);
  const base = { index: data.index, key, provider: narrator.name, model: narrator.model, voice: data.voice, chars: data.text.length };
  // The book holds the segment before it is looked up or stored, so a prune running now keeps it
  // (or, if it is deleting it this moment, is waited for: the lookup below then misses).
  await deps.refs?.use(data.bookId, [key], signal);
  // A HEAD, not a download: the store answers the cache question without the audio.
  const stored = await store.head(key, signal);
  if (stored) {
    // Timings belong to the audio: read back from the segment's metadata (a HEAD of a bucket leaves
    // them out: one ranged GET of the metadata, not the audio), never aligned again.
    const full = deps.align && stored.meta.timings === undefined ? await store.readMeta(key, stored.wav, signal) : undefined;
    const timings = deps.align ? (stored.meta.timings ?? full?.timings) : undefined;
    // A segment whose alignment failed when it was bought says so again (it is not aligned again here).
    const unaligned = timings === undefined ? full?.unaligned : undefined;
    // The voice the stored segment says it was read with (its key holds the voice, so it is this chunk's).
    return { ...base, voice: stored.meta.voice || data.voice, durationMs: stored.meta.durationMs, samples: frames(stored.wav), segment: segmentOf(stored.wav, stored.meta.loudness), cached: true, calls: 0, similarity: stored.meta.similarity, ...checkedBy(stored.meta), rejections: [], usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, costUsd: 0, rejectedCostUsd: 0, ...(timings ? { timings } : {}), ...(unaligned === undefined ? {} : { unaligned }) };
  }
  // Bought by an earlier attempt whose store write failed: store it now, no model call. (Its cost
  // was charged when it was bought; this job reports it, as the failed attempt reported nothing.)
  const kept = await spool.takeKept(key);
  if (kept) {
    await storeOrKeep(deps, data, key, kept.audio.path, kept.meta);
    deps.logger?.info({ bookId: data.bookId, chunk: data.index, key }, 'stored a reading kept from an earlier attempt: no model call');
    return bought(deps, base, kept.meta, kept.audio);
  }
  // The slot is held through every reading of the chunk (the model's time) and given up before the
  // reading is measured and stored, which is this worker's time: the next call goes out meanwhile.
  // A crash still loses at most one reading per job the worker holds (its slots, and the few it
  // takes beyond them: see prefetchFor), whether it was being measured or uploaded.
  const release = deps.slots ? await deps.slots.acquire(signal) : undefined;
  let reading: VerifiedNarration;
  try {
    reading = await narrateChunk(data.text, {
      narrator,
      spool,
      voice: data.voice,
      style: data.style,
      ...(data.hints ? { hints: data.hints } : {}),
      ...(data.language === undefined ? {} : { language: data.language }),
      ...(deps.verify ? { options: deps.verify } : {}),
      align: deps.align === true,
      ...(deps.aligner ? { aligner: deps.aligner } : {}),
      onAlignmentError: (error) =>
        deps.logger?.warn({ bookId: data.bookId, chunk: data.index, key, err: error.message }, 'alignment failed: the reading is kept without sentence timings (not bought again)'),
      ...(signal ? { signal } : {}),
    });
  } finally {
    release?.();
  }
  // The meter and the store's calls are in-line (sync): let the job that just got the slot send its request first.
  if (release) await nextTurn();
  // Measured once, for mastering (the constant gain that brings it to the book's level): as the
  // spool wrote it, or (a join of split halves) read back from the spool.
  const loudness: SegmentLoudness = reading.audio.loudness ?? await measureSegmentLoudness(reading.audio).catch(async (error: unknown) => {
    await spool.discard(reading.audio.path);
    throw error;
  });
  const meta: SegmentMeta = {
    key,
    provider: narrator.name,
    model: narrator.model,
    voice: data.voice,
    durationMs: reading.audio.durationMs,
    transcript: reading.transcript,
    similarity: reading.similarity,
    ...(reading.checkedBy === 'duration' ? { checkedBy: 'duration' as const } : {}),
    calls: reading.calls,
    rejections: reading.rejections,
    usage: reading.usage,
    createdAt: new Date().toISOString(),
    loudness,
    ...(reading.timings ? { timings: reading.timings } : {}),
    ...(reading.unaligned === undefined ? {} : { unaligned: reading.unaligned }),
  };
  // Already a canonical WAV (the spool writes them so, and so does a join of split halves).
  await storeOrKeep(deps, data, key, reading.audio.path, meta);
  return bought(deps, base, meta, reading.audio);
}

/** The result of a chunk whose reading this job bought (in this attempt or an earlier one whose store write failed). */
function bought(deps: SynthesizeDeps, base: Pick<SynthesizeResult, 'index' | 'key' | 'provider' | 'model' | 'chars'>, meta: SegmentMeta, audio: WavInfo): SynthesizeResult {
  const cost = deps.ledger ? chunkCost(deps.ledger, meta.model, meta) : {};
  return { ...base, durationMs: meta.durationMs, samples: frames(audio), segment: segmentOf(audio, meta.loudness), cached: false, calls: meta.calls, similarity: meta.similarity, ...checkedBy(meta), rejections: meta.rejections, usage: meta.usage, ...cost, ...(meta.timings && deps.align ? { timings: meta.timings } : {}), ...(meta.unaligned !== undefined && deps.align ? { unaligned: meta.unaligned } : {}) };
}

/** What a part's encode needs of a stored segment: its samples' layout (as stored: a canonical WAV) and its loudness. */
function segmentOf(wav: WavInfo, loudness: SegmentLoudness | undefined): NonNullable<SynthesizeResult['segment']> {
  const layout = { format: wav.format, dataOffset: wav.dataOffset, dataBytes: wav.dataBytes, durationMs: wav.durationMs };
  return loudness ? { wav: layout, loudness } : { wav: layout };
}

/** The segment's checkedBy, when its words were not compared. */
function checkedBy(meta: Pick<SegmentMeta, 'checkedBy'>): Pick<SynthesizeResult, 'checkedBy'> {
  return meta.checkedBy === 'duration' ? { checkedBy: 'duration' } : {};
}

/** Sample frames of a WAV's data. */
function frames(wav: WavInfo): number {
  return wav.dataBytes / frameBytes(wav.format);
}

/**
 * Stores a paid reading; when the store fails (all its own retries spent), keeps it in the spool
 * under its key, so the job's next attempt on this host stores it instead of buying it again.
 */
async function storeOrKeep(deps: SynthesizeDeps, data: SynthesizeJobData, key: string, path: string, meta: SegmentMeta): Promise<void> {
  try {
    await deps.store.put(key, path, meta);
  } catch (error) {
    let kept: string | undefined;
    try {
      kept = deps.spool.keep(key, path, meta);
      deps.logger?.warn({ bookId: data.bookId, chunk: data.index, key, kept }, 'segment not stored: its reading is kept in the spool for the next attempt');
    } catch {
      // Cannot keep it either (the spool's disks): never leave audio behind.
      await deps.spool.discard(path);
    }
    // A store that refuses for good (full, read-only) fails the book now; say what the retry will do.
    if (error instanceof StoreRefusedError) {
      const next = kept
        ? `its reading is kept on this host (${kept}) and \`narrate retry ${data.bookId}\` stores it without a model call once the store takes writes again`
        : `its reading could not be kept either; \`narrate retry ${data.bookId}\` narrates it again once the store takes writes`;
      throw new StoreRefusedError(`${error.message}; ${next}`, { refusal: error.refusal, code: error.code, cause: error });
    }
    throw error;
  }
}

/** What a chunk's readings cost, and the part the rejected ones cost. */
function chunkCost(ledger: BookLedger, model: string, reading: Pick<SegmentMeta, 'usage' | 'rejections'>): { costUsd: number; rejectedCostUsd: number } {
  const rejectedCostUsd = reading.rejections.reduce((sum, r) => sum + (r.usage ? ledger.costOf(model, r.usage) : 0), 0);
  return { costUsd: ledger.costOf(model, reading.usage), rejectedCostUsd };
}
