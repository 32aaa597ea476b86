import { data } from 'franc/data.js';
import { expressions } from 'franc/expressions.js';

/**
 * franc's `francAll(value, { only, minLength: 1 })`, the same answer computed faster. franc looks up
 * each of the sample's trigrams (about a thousand in its 2,048 characters) in each candidate
 * language's model, an object each: 38 languages cost a library submit about 2 ms a book, a third of
 * its CPU. Here one table answers a trigram's weight in every language at once. Same models (franc's
 * own data), same cleaning, same distances, same order (test/unit/language/rank-languages.test.ts
 * compares the two on many texts).
 */

/** franc's own limits: the sample it reads, and the distance of a trigram a model lacks. */
const MAX_LENGTH = 2048;
const MAX_DIFFERENCE = 300;

interface ScriptTable {
  /** Languages of the script that `only` allows, in franc's order (ties keep it). */
  languages: string[];
  /** A trigram's weight in each of `languages` (its rank in the model), -1 where the model lacks it. */
  weights: Map<string, Int16Array>;
}

/** Tables by script, for one `only` list (the caller passes the same one every time). */
const tables = new Map<string, Map<string, ScriptTable>>();

/** Languages ranked for `value`, each with franc's normalized score (1 for the best), as francAll returns them. */
export function rankLanguages(value: string, only: readonly string[]): [string, number][] {
  if (value.length < 1) return [['und', 1]];
  const sample = value.slice(0, MAX_LENGTH);
  const [script, share] = topScript(sample);
  const models = script === undefined ? undefined : (data as Record<string, Record<string, string>>)[script];
  if (script === undefined || models === undefined) {
    if (script === undefined || share === 0 || (only.length > 0 && !only.includes(script))) return [['und', 1]];
    return [[script, 1]];
  }
  const table = scriptTable(script, models, only);
  if (table.languages.length === 0) return normalize(sample, [['und', 1]]);
  const distances = new Float64Array(table.languages.length);
  for (const [trigram, count] of trigramCounts(sample)) {
    const weights = table.weights.get(trigram);
    for (let l = 0; l < distances.length; l++) {
      const weight = weights === undefined ? -1 : weights[l]!;
      distances[l] = distances[l]! + (weight < 0 ? MAX_DIFFERENCE : Math.abs(count - weight - 1));
    }
  }
  const ranked = table.languages.map((language, l): [string, number] => [language, distances[l]!]);
  // Array.prototype.sort is stable: equal distances keep franc's order, as franc's own sort does.
  ranked.sort((a, b) => a[1] - b[1]);
  return normalize(sample, ranked);
}

/** franc's normalization: 1 for the nearest, falling with the distance. */
function normalize(sample: string, distances: [string, number][]): [string, number][] {
  const min = distances[0]![1];
  const max = sample.length * MAX_DIFFERENCE - min;
  for (const d of distances) d[1] = 1 - (d[1] - min) / max || 0;
  return distances;
}

/** The script most of the sample's characters are in, and its share (franc's getTopScript). */
function topScript(sample: string): [string | undefined, number] {
  let top: string | undefined;
  let topShare = -1;
  for (const [script, expression] of Object.entries(expressions)) {
    const share = (sample.match(expression)?.length ?? 0) / sample.length || 0;
    if (share > topShare) {
      topShare = share;
      top = script;
    }
  }
  return [top, topShare];
}

/** Each trigram of the cleaned sample and how often it occurs (trigram-utils' asDictionary, as franc cleans). */
function trigramCounts(sample: string): Map<string, number> {
  const cleaned = ` ${sample.replace(/[\u0021-\u0040]+/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase()} `;
  const counts = new Map<string, number>();
  for (let i = 0; i + 3 <= cleaned.length; i++) {
    const trigram = cleaned.slice(i, i + 3);
    counts.set(trigram, (counts.get(trigram) ?? 0) + 1);
  }
  return counts;
}

function scriptTable(script: string, models: Record<string, string>, only: readonly string[]): ScriptTable {
  const key = only.join(',');
  let byScript = tables.get(key);
  if (!byScript) {
    byScript = new Map();
    tables.set(key, byScript);
  }
  let table = byScript.get(script);
  if (table) return table;
  const languages = Object.keys(models).filter((l) => only.length === 0 || only.includes(l));
  const weights = new Map<string, Int16Array>();
  languages.forEach((language, l) => {
    const model = models[language]!.split('|');
    // franc's weight of a trigram is its index in the model's list; a repeated trigram keeps the first (lowest).
    for (let weight = model.length - 1; weight >= 0; weight--) {
      const trigram = model[weight]!;
      let row = weights.get(trigram);
      if (!row) {
        row = new Int16Array(languages.length).fill(-1);
        weights.set(trigram, row);
      }
      row[l] = weight;
    }
  });
  table = { languages, weights };
  byScript.set(script, table);
  return table;
}
