import type { TokenUsage } from '../contracts/token-usage.js';
import type { WavFile } from '../store/wav-files.js';

/** What a narrator is asked to read. */
export interface NarrationRequest {
  /** The chunk's text: the only content of the user message. */
  text: string;
  voice: string;
  /** The system message: how to read (verbatim, style, language). */
  instructions: string;
  /** The book's language (BCP 47); the offline voice picks its espeak voice by it. Default English. */
  language?: string;
  /** The book's voice style, for a narrator that builds its own instructions (the speech endpoint). */
  style?: string;
  /** Pronunciation hints ("山路 = やまみち"), likewise. */
  hints?: string;
  /** Aborts the call when the job is cancelled or the worker is forced down. */
  signal?: AbortSignal;
}

/** What came back, before any checking of the words: the audio (spooled to disk) and the provider's transcript. */
export interface NarrationResult {
  /**
   * The decoded `message.audio.data` as a spool file, already a canonical WAV (44-byte header
   * with true sizes, whatever header the provider streamed). The caller owns it and must store or
   * discard it. Absent when the provider sent no audio (a refusal).
   */
  audio?: WavFile;
  /** What the model says it said ('' when the provider returns no transcript). */
  transcript: string;
  /**
   * False when the provider returns no transcript (the speech endpoint): the reading is checked by
   * its duration only, never by its words. Default true.
   */
  transcribed?: boolean;
  /** `stop`, `length`, `content_filter`, ... */
  finishReason: string;
  /** The model's refusal text, if it declined. */
  refusal?: string;
  usage: TokenUsage;
}

/** Anything that can turn a chunk of text into speech: the chat-audio model or the offline voice. */
export interface Narrator {
  /** Short name recorded in manifests: "chat-audio" or "offline". */
  readonly name: string;
  /** The model id, part of the segment key: a different model means different audio. */
  readonly model: string;
  narrate(request: NarrationRequest): Promise<NarrationResult>;
  /**
   * Tokens the provider will count for this request against a tokens-per-minute limit (NARRATE_TPM),
   * known before it is sent. Absent for a narrator no such limit applies to (the offline voice).
   */
  reservedTokens?(request: NarrationRequest): number;
  /** Releases sockets or WASM instances; safe to call twice. */
  close?(): Promise<void>;
}

