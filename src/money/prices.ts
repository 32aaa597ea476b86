import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readConfigFile } from '../read-config-file.js';

/** What a model charges, in US dollars per million tokens (and, for models billed by the character, per million characters). */
export interface ModelPrices {
  textInputPerM: number;
  textOutputPerM: number;
  audioOutputPerM: number;
  /** Per million characters of input (tts-1, tts-1-hd); absent for models billed by the token. */
  charactersPerM?: number;
}

/** Prices keyed by model id. */
export type PriceTable = Readonly<Record<string, ModelPrices>>;

/**
 * Built-in prices: OpenAI's list prices in US dollars, per million tokens unless said otherwise.
 * No model can be reached from here, so none of these was checked against a bill: set
 * NARRATE_PRICES to the provider's current prices (aimlapi.com and other resellers have their own).
 * A dated snapshot (gpt-audio-2025-08-28) and a successor named after its family (gpt-audio-1.5)
 * take the prices of the longest entry they start with (see pricesFor).
 *
 * - gpt-4o-audio-preview: openai.com/api/pricing as known on 2025-06-01, after the December 2024
 *   cut; OpenAI's model page (developers.openai.com/api/docs/models/gpt-4o-audio-preview) lists the
 *   same: text $2.50 in / $10 out, audio $80 out.
 * - gpt-audio: its model page (developers.openai.com/api/docs/models/gpt-audio), as a stored copy of it
 *   read on 2026-12-06 shows it: text $2.50 in / $10 out, audio $32 in / $64 out. gpt-audio-1.5's page lists the same.
 * - gpt-audio-mini: its model page (developers.openai.com/api/docs/models/gpt-audio-mini), same
 *   copy: text $0.60 in / $2.40 out. The page lists no audio price; $20 out is what OpenAI lists for
 *   its other mini audio models (gpt-4o-mini-audio-preview, gpt-realtime-mini), an assumption.
 * - gpt-4o-mini-tts (POST /audio/speech): its model page, same copy: text $0.60 in, audio $12 out
 *   (OpenAI's own estimate: $0.015 a minute).
 * - gpt-4o-mini (text only: the cast's attribution, NARRATE_CAST_MODEL): openai.com/api/pricing as
 *   known on 2025-06-01: $0.15 in / $0.60 out.
 * - tts-1 and tts-1-hd (POST /audio/speech): their model pages, same copy: $15 and $30 per million
 *   characters of input.
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'gpt-4o-audio-preview': { textInputPerM: 2.5, textOutputPerM: 10, audioOutputPerM: 80 },
  'gpt-audio': { textInputPerM: 2.5, textOutputPerM: 10, audioOutputPerM: 64 },
  'gpt-audio-mini': { textInputPerM: 0.6, textOutputPerM: 2.4, audioOutputPerM: 20 },
  'gpt-4o-mini-tts': { textInputPerM: 0.6, textOutputPerM: 0, audioOutputPerM: 12 },
  'gpt-4o-mini': { textInputPerM: 0.15, textOutputPerM: 0.6, audioOutputPerM: 0 },
  'tts-1': { textInputPerM: 0, textOutputPerM: 0, audioOutputPerM: 0, charactersPerM: 15 },
  'tts-1-hd': { textInputPerM: 0, textOutputPerM: 0, audioOutputPerM: 0, charactersPerM: 30 },
});

/** The default model: its prices apply to a model the table does not name. */
export const DEFAULT_PRICED_MODEL = 'gpt-4o-audio-preview';

/** The default speech model: its prices apply to a speech model the table does not name. */
export const DEFAULT_PRICED_SPEECH_MODEL = 'gpt-4o-mini-tts';

const price = z.number().finite().min(0, 'a number of dollars >= 0');
const TOKEN_FIELDS = ['textInputPerM', 'textOutputPerM', 'audioOutputPerM'] as const;
// A row is billed by the token (all three token prices) or by the character (charactersPerM), or both.
const rowSchema = z
  .strictObject({ textInputPerM: price.optional(), textOutputPerM: price.optional(), audioOutputPerM: price.optional(), charactersPerM: price.optional() })
  .refine((row) => TOKEN_FIELDS.every((k) => row[k] !== undefined) || (row.charactersPerM !== undefined && TOKEN_FIELDS.every((k) => row[k] === undefined)), {
    message: 'textInputPerM, textOutputPerM and audioOutputPerM (per million tokens), or charactersPerM alone (per million characters)',
  })
  .transform((row): ModelPrices => ({
    textInputPerM: row.textInputPerM ?? 0,
    textOutputPerM: row.textOutputPerM ?? 0,
    audioOutputPerM: row.audioOutputPerM ?? 0,
    ...(row.charactersPerM === undefined ? {} : { charactersPerM: row.charactersPerM }),
  }));
const fileSchema = z.record(z.string().min(1), rowSchema);

/** Largest NARRATE_PRICES file read: a table of every model ever sold fits in a few kilobytes. */
export const PRICES_MAX_BYTES = 1024 * 1024;

/**
 * The price table: the built-in one, with NARRATE_PRICES (a JSON or YAML file keyed by model id)
 * laid over it. Read once at start; a file that cannot be read, is not a regular file, is over
 * PRICES_MAX_BYTES or does not fit is a ConfigError naming it.
 */
export function loadPrices(file: string | undefined): PriceTable {
  if (file === undefined) return DEFAULT_PRICES;
  const table = readConfigFile(file, {
    from: 'NARRATE_PRICES',
    schema: fileSchema,
    invalid: 'not a price table',
    maxBytes: PRICES_MAX_BYTES,
    hint: 'expected e.g. {"gpt-audio": {"textInputPerM": 2.5, "textOutputPerM": 10, "audioOutputPerM": 64}, "tts-1": {"charactersPerM": 15}}',
    error: (message) => new ConfigError(message),
  });
  return Object.freeze({ ...DEFAULT_PRICES, ...table });
}

/**
 * Prices of `model`: its own entry, else the longest entry it starts with (dated snapshots), else
 * the default model's of its provider (gpt-4o-mini-tts for the speech endpoint).
 */
export function pricesFor(table: PriceTable, model: string, provider: 'chat-audio' | 'speech' | 'offline' = 'chat-audio'): ModelPrices {
  const own = table[model];
  if (own) return own;
  // A text-only row (gpt-4o-mini, the cast's) is no family of an audio model (gpt-4o-mini-audio-preview).
  const family = Object.keys(table)
    .filter((k) => model.startsWith(k) && !isTextOnly(table[k]!))
    .sort((a, b) => b.length - a.length)[0];
  const fallback = provider === 'speech' ? DEFAULT_PRICED_SPEECH_MODEL : DEFAULT_PRICED_MODEL;
  return table[family ?? fallback] ?? DEFAULT_PRICES[fallback]!;
}

/** A row of a text chat model: no audio, not billed by the character (the cast's attribution model). */
function isTextOnly(row: ModelPrices): boolean {
  return row.audioOutputPerM === 0 && row.charactersPerM === undefined && row.textOutputPerM > 0;
}
