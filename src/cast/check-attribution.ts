import { NOBODY } from './attribution-prompt.js';
import { speakerKey, speakerName } from './speaker-name.js';

/** Longest speaker name taken from a model: a name, not a paragraph. */
const MAX_NAME = 80;

/**
 * The model's answer checked and read: valid JSON of the schema, every quotation 0..count-1
 * attributed exactly once, each speaker a short name. Speakers already in `known` keep that
 * spelling (one cast per book, whatever case or article the model used this time); "narrator" is
 * null. Returns the speakers in quotation order, or the reason the answer fails.
 */
export function checkAttribution(content: string | null | undefined, count: number, known: ReadonlyMap<string, string>): { speakers: (string | null)[] } | { problem: string } {
  if (content === null || content === undefined || content.trim() === '') return { problem: 'the answer was empty' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return { problem: 'the answer was not JSON' };
  }
  const list = (parsed as { quotations?: unknown } | null)?.quotations;
  if (!Array.isArray(list)) return { problem: 'the answer has no "quotations" list' };
  const speakers: (string | null | undefined)[] = new Array(count).fill(undefined);
  for (const item of list) {
    const { index, speaker } = (item ?? {}) as { index?: unknown; speaker?: unknown };
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) return { problem: `quotation ${JSON.stringify(index)} is not one of 0..${count - 1}` };
    if (typeof speaker !== 'string' || speaker.trim() === '' || speaker.length > MAX_NAME) return { problem: `quotation ${index} has no speaker name` };
    if (speakers[index] !== undefined) return { problem: `quotation ${index} is attributed twice` };
    const name = speakerName(speaker);
    speakers[index] = speakerKey(name) === NOBODY ? null : (known.get(speakerKey(name)) ?? name);
  }
  const missing = speakers.findIndex((s) => s === undefined);
  if (missing >= 0) return { problem: `quotation ${missing} is not attributed (${speakers.filter((s) => s === undefined).length} of ${count} missing)` };
  return { speakers: speakers as (string | null)[] };
}
