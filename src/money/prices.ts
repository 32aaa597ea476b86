import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readConfigFile } from '../read-config-file.js';

/** What a model charges, in US dollars per million tokens. */
export interface ModelPrices {
  textInputPerM: number;
  textOutputPerM: number;
  audioOutputPerM: number;
}

/** Prices keyed by model id. */
export type PriceTable = Readonly<Record<string, ModelPrices>>;

/**
 * Built-in prices. gpt-4o-audio-preview: OpenAI's public list price (openai.com/api/pricing) as
 * known on 2025-06-01, after the December 2024 cut: text $2.50 in / $10.00 out, audio $80.00 out
 * per million tokens. The real model cannot be reached from here, so these were not checked
 * against a bill: set NARRATE_PRICES to the provider's current prices (aimlapi.com resells the
 * model at its own rates).
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'gpt-4o-audio-preview': { textInputPerM: 2.5, textOutputPerM: 10, audioOutputPerM: 80 },
});

/** The default model: its prices apply to a model the table does not name. */
export const DEFAULT_PRICED_MODEL = 'gpt-4o-audio-preview';

const price = z.number().finite().min(0, 'a number of dollars >= 0');
const fileSchema = z.record(z.string().min(1), z.strictObject({ textInputPerM: price, textOutputPerM: price, audioOutputPerM: price }));

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
    hint: 'expected e.g. {"gpt-4o-audio-preview": {"textInputPerM": 2.5, "textOutputPerM": 10, "audioOutputPerM": 80}}',
    error: (message) => new ConfigError(message),
  });
  return Object.freeze({ ...DEFAULT_PRICES, ...table });
}

/** Prices of `model`: its own entry, else the longest entry it starts with (dated snapshots), else the default model's. */
export function pricesFor(table: PriceTable, model: string): ModelPrices {
  const own = table[model];
  if (own) return own;
  const family = Object.keys(table)
    .filter((k) => model.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  return table[family ?? DEFAULT_PRICED_MODEL] ?? DEFAULT_PRICES[DEFAULT_PRICED_MODEL]!;
}
