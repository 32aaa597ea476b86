import { BOOK_FORMAT, describeFormat, sameFormat, type WavFormat } from '../audio/wav-format.js';
import { AudioFormatError, NarrateError, coerceError } from '../errors.js';
import type { Narrator } from '../providers/narrator.js';
import { sumUsage, type TokenUsage } from '../contracts/token-usage.js';
import { isEnglish } from '../language/languages.js';
import { splitSentences, splitSentencesSpaced } from '../producer/split-sentences.js';
import type { AudioSpool } from '../store/audio-spool.js';
import type { Rejection } from '../contracts/rejection.js';
import { joinWavFiles, type WavFile } from '../store/wav-files.js';
import { checkNarration } from '../verify/check-narration.js';
import type { SegmentTimings } from '../contracts/segment-timings.js';
import { alignReading, joinTimings, type AlignReading } from './align-reading.js';
import { recordAlignmentError, recordReading } from './metrics.js';
import { narrationInstructions } from '../providers/narration-instructions.js';

/** How hard to try before a chunk fails. */
export interface VerifyOptions {
  /** Minimum word similarity between text and transcript (default 0.9). */
  threshold: number;
  /** Readings of one piece of text before it is split (default 3). */
  readingsBeforeSplit: number;
  /** Readings of a piece that cannot be split (one sentence, or split deep enough) before the chunk fails (default 8). */
  maxReadings: number;
  /** Readings after which a refusal (content filter) is taken as final (default 2). */
  maxRefusals: number;
  /** How many times a chunk may be halved (default 3: down to an eighth). */
  maxSplitDepth: number;
}

export const DEFAULT_VERIFY: VerifyOptions = { threshold: 0.9, readingsBeforeSplit: 3, maxReadings: 8, maxRefusals: 2, maxSplitDepth: 3 };

/** An accepted reading of a chunk: a spooled WAV in the book's format (the caller owns it), and what it took to get it. */
export interface VerifiedNarration {
  audio: WavFile;
  transcript: string;
  similarity: number;
  /** 'duration' when the provider returned no transcript, so the words were not compared. */
  checkedBy: 'words' | 'duration';
  calls: number;
  rejections: Rejection[];
  usage: TokenUsage;
  /** Where each sentence is in `audio`; absent when alignment is off, or the reference voice does not speak the language. */
  timings?: SegmentTimings;
  /** Why a reading has no timings although alignment is on: the aligner failed (crashed, not judged) on it. */
  unaligned?: string;
}

/** Gap put between the halves of a split chunk: a sentence's breath. */
const SPLIT_GAP_MS = 250;

/** The chunk could not be read faithfully within the bounds: permanent, with what was expected and heard. */
export class ChunkRejectedError extends NarrateError {
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** What narrateChunk reads with; each optional setting says its default. */
export interface NarrateChunkContext {
  narrator: Narrator;
  spool: AudioSpool;
  voice: string;
  style: string;
  hints?: string;
  /** The book's language (BCP 47): instructions, the offline voice and the verbatim check follow it. */
  language?: string;
  /** How hard to try (default DEFAULT_VERIFY). */
  options?: Partial<VerifyOptions>;
  /** Align each reading that passes the verbatim check, and reject one that skips a sentence (NARRATE_ALIGN; default off). */
  align?: boolean;
  /** The aligner (default alignReading); a test passes one that fails. */
  aligner?: AlignReading;
  /** Told when the aligner fails on an accepted reading, which is then kept without timings. */
  onAlignmentError?: (error: Error) => void;
  signal?: AbortSignal;
}

type Context = Omit<NarrateChunkContext, 'options' | 'align' | 'aligner'> & { options: VerifyOptions; align: boolean; aligner: AlignReading };

/**
 * Reads `text` until a reading passes every check (fidelity, finish_reason, duration). A failed
 * check is retried with a stricter instruction; a cut-off or repeated failure splits the text at a
 * sentence boundary and reads the halves. Rejected audio is dropped, never returned.
 */
export async function narrateChunk(text: string, context: NarrateChunkContext): Promise<VerifiedNarration> {
  const ctx: Context = { ...context, options: { ...DEFAULT_VERIFY, ...context.options }, align: context.align ?? false, aligner: context.aligner ?? alignReading };
  return narratePiece(text, ctx, 0);
}

async function narratePiece(text: string, ctx: Context, depth: number): Promise<VerifiedNarration> {
  const rejections: Rejection[] = [];
  const usages: TokenUsage[] = [];
  let calls = 0;
  let last: Rejection | undefined;
  let lastHeard = '';
  // Halves are worked out once: a piece that cannot be split keeps reading, up to maxReadings.
  const halves = depth < ctx.options.maxSplitDepth ? splitInTwo(text, ctx.language) : undefined;
  const budget = halves ? ctx.options.readingsBeforeSplit : ctx.options.maxReadings;
  let refusals = 0;
  for (let reading = 1; reading <= budget; reading++) {
    const language = ctx.language === undefined ? {} : { language: ctx.language };
    const instructions = narrationInstructions({ style: ctx.style, language: ctx.language, hints: ctx.hints, strict: reading > 1 });
    const result = await ctx.narrator.narrate({ text, voice: ctx.voice, instructions, style: ctx.style, ...language, ...(ctx.hints ? { hints: ctx.hints } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
    calls++;
    usages.push(result.usage);
    const audio = result.audio;
    try {
      if (audio) requireBookFormat(audio.format);
    } catch (error) {
      await ctx.spool.discard(audio?.path);
      throw error;
    }
    const check = checkNarration(
      {
        text,
        transcript: result.transcript,
        finishReason: result.finishReason,
        ...(result.refusal ? { refusal: result.refusal } : {}),
        durationMs: audio?.durationMs ?? 0,
      },
      { threshold: ctx.options.threshold, ...language, words: result.transcribed !== false },
    );
    // A reading that passes the verbatim check is aligned with its sentences: the timings go with it,
    // and a reading that skips a sentence is rejected like an unfaithful one.
    let aligned: Awaited<ReturnType<AlignReading>> | undefined;
    let unaligned: string | undefined;
    if (check.ok && audio && ctx.align) {
      try {
        aligned = await ctx.aligner(audio, text, ctx.language);
      } catch (thrown) {
        // The aligner failed (espeak-ng, a WAV it could not read, memory): that says nothing about the
        // reading, which passed the verbatim check and is paid for. Throwing would make the job's retry
        // buy it again; it is kept, without sentence timings, and the failure is reported.
        const error = coerceError(thrown);
        unaligned = alignmentFailure(error);
        recordAlignmentError();
        ctx.onAlignmentError?.(error);
      }
    }
    const verdict = aligned?.verdict;
    recordReading(check.ok && audio !== undefined && verdict?.ok !== false, check.ok ? (verdict?.ok === false ? 'alignment' : undefined) : check.reason);
    if (check.ok && audio && verdict?.ok !== false) {
      const timings = aligned?.timings;
      return { audio, transcript: result.transcript, similarity: check.similarity, checkedBy: result.transcribed === false ? 'duration' : 'words', calls, rejections, usage: sumUsage(usages), ...(timings ? { timings } : {}), ...(unaligned === undefined ? {} : { unaligned }) };
    }
    // Rejected audio is deleted at once: it can never reach the book.
    await ctx.spool.discard(audio?.path);
    if (check.ok && !audio) throw new AudioFormatError('provider answered without audio');
    last = check.ok
      ? { reason: 'alignment', detail: verdict?.ok === false ? verdict.reason : 'the audio does not say every sentence', similarity: check.similarity, usage: result.usage }
      : { reason: check.reason, detail: check.detail, similarity: check.similarity, usage: result.usage };
    lastHeard = result.transcript;
    rejections.push(last);
    // A cut-off will be cut off again at the same length: split at once instead of paying for it twice.
    if (last.reason === 'cut-off' && halves) break;
    // A provider that refuses twice will not read it: fail now rather than pay for more refusals.
    if (last.reason === 'refused' && ++refusals >= ctx.options.maxRefusals) break;
  }
  if (!halves || last?.reason === 'refused') {
    throw new ChunkRejectedError(
      `no faithful reading after ${calls} call(s) (last: ${last?.reason === 'alignment' ? `alignment: ${last.detail}` : (last?.reason ?? 'unknown')}): ` +
        `expected "${excerpt(text)}", heard "${excerpt(lastHeard)}"`,
    );
  }
  const first = await narratePiece(halves[0], ctx, depth + 1);
  let second: VerifiedNarration;
  try {
    second = await narratePiece(halves[1], ctx, depth + 1);
  } catch (error) {
    await ctx.spool.discard(first.audio.path);
    throw error;
  }
  let joined: WavFile;
  try {
    // Written where the spool has room (the fallback directory when the store's disk is full): both halves are paid for.
    joined = await ctx.spool.writeFile((path) => joinWavFiles([first.audio, { silenceMs: SPLIT_GAP_MS }, second.audio], BOOK_FORMAT, path));
  } finally {
    await ctx.spool.discard(first.audio.path);
    await ctx.spool.discard(second.audio.path);
  }
  return {
    audio: joined,
    transcript: `${first.transcript} ${second.transcript}`,
    similarity: Math.min(first.similarity, second.similarity),
    checkedBy: first.checkedBy === 'duration' || second.checkedBy === 'duration' ? 'duration' : 'words',
    calls: calls + first.calls + second.calls,
    rejections: [...rejections, ...first.rejections, ...second.rejections],
    usage: sumUsage([...usages, first.usage, second.usage]),
    ...timingsOf(joinTimings(first.timings, first.audio.durationMs, SPLIT_GAP_MS, second.timings)),
    // One half without timings leaves the whole chunk without them (joinTimings): say why.
    ...unalignedOf(first.unaligned ?? second.unaligned),
  };
}

/** Segments of a book are joined without re-encoding, so every one must be in the book's sample format. */
export function requireBookFormat(format: WavFormat): void {
  if (!sameFormat(format, BOOK_FORMAT)) {
    throw new AudioFormatError(`audio is ${describeFormat(format)}, the book is ${describeFormat(BOOK_FORMAT)}`, { retryable: false });
  }
}

/** Splits at the sentence boundary nearest the middle; undefined when the text is one sentence. */
export function splitInTwo(text: string, language?: string): [string, string] | undefined {
  if (!isEnglish(language)) return splitInTwoSpaced(text, language);
  const sentences = splitSentences(text.replace(/\s*\n+\s*/g, ' '));
  if (sentences.length < 2) return undefined;
  const total = sentences.reduce((n, s) => n + s.length, 0);
  let acc = 0;
  let cut = 1;
  for (let i = 0; i < sentences.length - 1; i++) {
    acc += sentences[i]!.length;
    cut = i + 1;
    if (acc >= total / 2) break;
  }
  return [sentences.slice(0, cut).join(' '), sentences.slice(cut).join(' ')];
}

/** splitInTwo for languages split by Intl.Segmenter: no space is added where the text had none. */
function splitInTwoSpaced(text: string, language: string | undefined): [string, string] | undefined {
  const sentences = splitSentencesSpaced(text.replace(/\s*\n+\s*/g, ' '), language);
  if (sentences.length < 2) return undefined;
  const total = sentences.reduce((n, s) => n + s.text.length, 0);
  let acc = 0;
  let cut = 1;
  for (let i = 0; i < sentences.length - 1; i++) {
    acc += sentences[i]!.text.length;
    cut = i + 1;
    if (acc >= total / 2) break;
  }
  const join = (pieces: typeof sentences) => pieces.map((p, i) => (i > 0 && p.spaceBefore ? ` ${p.text}` : p.text)).join('');
  return [join(sentences.slice(0, cut)), join(sentences.slice(cut))];
}

function timingsOf(timings: SegmentTimings | undefined): { timings?: SegmentTimings } {
  return timings ? { timings } : {};
}

function unalignedOf(unaligned: string | undefined): { unaligned?: string } {
  return unaligned === undefined ? {} : { unaligned };
}

/** What is kept of an aligner's failure with the segment: its message, one line, short (never a stack). */
function alignmentFailure(error: Error): string {
  return `alignment failed: ${excerpt(error.message || error.name, 200)}`;
}

function excerpt(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
