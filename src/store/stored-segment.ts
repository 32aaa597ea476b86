import type { SegmentLoudness } from '../audio/segment-loudness.js';
import type { Rejection } from '../contracts/rejection.js';
import type { TokenUsage } from '../contracts/token-usage.js';
import type { WavFile } from './wav-files.js';
import type { SegmentTimings } from '../contracts/segment-timings.js';

/** What is known about a stored segment, kept with its audio. */
export interface SegmentMeta {
  key: string;
  provider: string;
  model: string;
  voice: string;
  durationMs: number;
  transcript: string;
  /** Word similarity between the chunk's text and the transcript (1 for the offline voice, and when checkedBy is 'duration'). */
  similarity: number;
  /** 'duration' when the provider returned no transcript (the speech endpoint): only the reading's length was checked. */
  checkedBy?: 'duration';
  /** Model calls it took to get an accepted reading, splits included. */
  calls: number;
  rejections: Rejection[];
  usage: TokenUsage;
  createdAt: string;
  /** EBU R128 measurement made when the segment was stored; absent in segments stored before it existed (measured when needed). */
  loudness?: SegmentLoudness;
  /** Where each sentence is in the audio; absent when alignment was off (NARRATE_ALIGN) or predates it. */
  timings?: SegmentTimings;
  /** Why a segment bought with alignment on has no timings: its aligner failed ("alignment failed: …"). */
  unaligned?: string;
}

/** A segment as the store holds it: its audio (a canonical WAV file on this machine) and what is known about it. */
export interface StoredSegment {
  audio: WavFile;
  meta: SegmentMeta;
}
