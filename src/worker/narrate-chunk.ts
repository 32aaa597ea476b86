import { parseWav } from '../audio/parse-wav.js';
import { silence } from '../audio/silence.js';
import { durationMs } from '../audio/wav-duration.js';
import { BOOK_FORMAT, describeFormat } from '../audio/wav-format.js';
import { AudioFormatError, NarrateError } from '../errors.js';
import type { Narrator, TokenUsage } from '../providers/narrator.js';
import { splitSentences } from '../producer/split-sentences.js';
import type { Rejection } from '../store/segment-store.js';
import { checkNarration } from './check-narration.js';
import { narrationInstructions } from './narration-instructions.js';

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

/** An accepted reading of a chunk: PCM in the book's format, and what it took to get it. */
export interface VerifiedNarration {
  pcm: Buffer;
  transcript: string;
  similarity: number;
  calls: number;
  rejections: Rejection[];
  usage: TokenUsage;
}

/** Gap put between the halves of a split chunk: a sentence's breath. */
const SPLIT_GAP_MS = 250;

/** The chunk could not be read faithfully within the bounds: permanent, with what was expected and heard. */
export class ChunkRejectedError extends NarrateError {
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

interface Context {
  narrator: Narrator;
  voice: string;
  style: string;
  options: VerifyOptions;
  signal?: AbortSignal;
}

/**
 * Reads `text` until a reading passes every check (fidelity, finish_reason, duration). A failed
 * check is retried with a stricter instruction; a cut-off or repeated failure splits the text at a
 * sentence boundary and reads the halves. Rejected audio is dropped, never returned.
 */
export async function narrateChunk(
  text: string,
  context: { narrator: Narrator; voice: string; style: string; options?: Partial<VerifyOptions>; signal?: AbortSignal },
): Promise<VerifiedNarration> {
  const ctx: Context = { ...context, options: { ...DEFAULT_VERIFY, ...context.options } };
  return narratePiece(text, ctx, 0);
}

async function narratePiece(text: string, ctx: Context, depth: number): Promise<VerifiedNarration> {
  const rejections: Rejection[] = [];
  const usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  let calls = 0;
  let last: Rejection | undefined;
  let lastHeard = '';
  // Halves are worked out once: a piece that cannot be split keeps reading, up to maxReadings.
  const halves = depth < ctx.options.maxSplitDepth ? splitInTwo(text) : undefined;
  const budget = halves ? ctx.options.readingsBeforeSplit : ctx.options.maxReadings;
  let refusals = 0;
  for (let reading = 1; reading <= budget; reading++) {
    const instructions = narrationInstructions({ style: ctx.style, strict: reading > 1 });
    const result = await ctx.narrator.narrate({ text, voice: ctx.voice, instructions, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    calls++;
    addUsage(usage, result.usage);
    const pcm = result.wav.length === 0 ? Buffer.alloc(0) : decodeToBookFormat(result.wav);
    const check = checkNarration(
      {
        text,
        transcript: result.transcript,
        finishReason: result.finishReason,
        ...(result.refusal ? { refusal: result.refusal } : {}),
        durationMs: durationMs(BOOK_FORMAT, pcm.length),
      },
      { threshold: ctx.options.threshold },
    );
    if (check.ok) {
      return { pcm, transcript: result.transcript, similarity: check.similarity, calls, rejections, usage };
    }
    last = { reason: check.reason, detail: check.detail, similarity: check.similarity };
    lastHeard = result.transcript;
    rejections.push(last);
    // A cut-off will be cut off again at the same length: split at once instead of paying for it twice.
    if (check.reason === 'cut-off' && halves) break;
    // A provider that refuses twice will not read it: fail now rather than pay for more refusals.
    if (check.reason === 'refused' && ++refusals >= ctx.options.maxRefusals) break;
  }
  if (!halves || last?.reason === 'refused') {
    throw new ChunkRejectedError(
      `no faithful reading after ${calls} call(s) (last: ${last?.reason ?? 'unknown'}): ` +
        `expected "${excerpt(text)}", heard "${excerpt(lastHeard)}"`,
    );
  }
  const first = await narratePiece(halves[0], ctx, depth + 1);
  const second = await narratePiece(halves[1], ctx, depth + 1);
  addUsage(usage, first.usage);
  addUsage(usage, second.usage);
  return {
    pcm: Buffer.concat([first.pcm, silence(BOOK_FORMAT, SPLIT_GAP_MS), second.pcm]),
    transcript: `${first.transcript} ${second.transcript}`,
    similarity: Math.min(first.similarity, second.similarity),
    calls: calls + first.calls + second.calls,
    rejections: [...rejections, ...first.rejections, ...second.rejections],
    usage,
  };
}

/** Parses the provider's WAV (streaming header allowed) and insists on the book's sample format. */
export function decodeToBookFormat(wav: Buffer): Buffer {
  const { format, data } = parseWav(wav);
  if (format.sampleRate !== BOOK_FORMAT.sampleRate || format.channels !== BOOK_FORMAT.channels || format.bitsPerSample !== BOOK_FORMAT.bitsPerSample) {
    throw new AudioFormatError(`audio is ${describeFormat(format)}, the book is ${describeFormat(BOOK_FORMAT)}`, { retryable: false });
  }
  return data;
}

/** Splits at the sentence boundary nearest the middle; undefined when the text is one sentence. */
export function splitInTwo(text: string): [string, string] | undefined {
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

function addUsage(into: TokenUsage, add: TokenUsage): void {
  into.promptTokens += add.promptTokens;
  into.completionTokens += add.completionTokens;
  into.totalTokens += add.totalTokens;
}

function excerpt(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
