import { chapterQuotations, type Quotation } from './chapter-quotations.js';
import { speakerKey, speakerName } from './speaker-name.js';

/**
 * Verbs that introduce speech (and thought, which a listener hears in the thinker's voice too), as
 * English novels write them around a quotation. Matched case-insensitively ("all he SAID was").
 */
const VERBS = [
  'said', 'says', 'say', 'cried', 'cries', 'asked', 'asks', 'replied', 'replies', 'answered', 'answers', 'thought', 'added', 'adds', 'remarked', 'went on',
  'continued', 'exclaimed', 'shouted', 'whispered', 'muttered', 'murmured', 'sighed', 'grumbled', 'began', 'repeated', 'interrupted',
  'observed', 'called', 'screamed', 'shrieked', 'roared', 'growled', 'sobbed', 'pleaded', 'explained', 'inquired', 'enquired', 'retorted',
  'returned', 'yelled', 'persisted', 'suggested', 'urged', 'protested', 'declared', 'agreed', 'insisted', 'put in', 'snapped', 'sang',
  'shouted out', 'called out', 'cried out', 'was beginning', 'was saying', 'began singing', 'stammered', 'whined', 'wailed', 'groaned', 'laughed', 'demanded', 'told', 'ventured', 'hinted', 'sneezed', 'panted',
];
const VERB = `(?:${VERBS.map((v) => v.replace(' ', '\\s+')).join('|')})`;
/** A name as a novel writes a speaker: capitalised words, maybe after "the" ("the March Hare", "Alice", "Mr. Fogg"). */
const NAME = `(?:[Tt]he\\s+)?(?:Mrs?\\.\\s+|Dr\\.\\s+)?[A-Z][\\p{L}'-]*(?:\\s+[A-Z][\\p{L}'-]*)*`;
const ADVERBS = `(?:(?:very\\s+|rather\\s+|quite\\s+)?\\p{L}+ly\\s+)?`;
const PRONOUN = `(?:he|she|they|it|I|we|He|She|They|It|We)`;
const LEAD = `^[\\s,;:\\u2014\\u2013-]*`;

/** After a quotation: "said Alice", "the March Hare said", "Alice hastily replied", "she remarked". */
const AFTER_VERB_NAME = new RegExp(`${LEAD}${VERB}\\s+(${NAME}|${PRONOUN})(?![\\p{L}])`, 'u');
const AFTER_NAME_VERB = new RegExp(`${LEAD}(${NAME}|${PRONOUN})\\s+${ADVERBS}${VERB}\\b`, 'u');
const HAS_VERB = new RegExp(`(?<![\\p{L}])${VERB}(?![\\p{L}])`, 'iu');
const NAMES = new RegExp(`(?<![\\p{L}])${NAME}`, 'gu');
const PRONOUNS = /^(?:he|she|it|i|we)$/iu;

/** Capitalised words that open sentences, not names: never taken for a speaker. */
const NOT_NAMES = new Set(
  ('a an and as at but by come do for how however i if in it its no not nothing now of oh on once only or perhaps please so some still such that the then there these they this ' +
    'those though thus to very well what when where which while who why yes you your he she we me my our his her him them us here after before just one two all').split(' '),
);

/** What the text's cues say about a quotation's speaker: a name, a pronoun to resolve, a group (nobody), or nothing. */
type Cue = { kind: 'name'; name: string } | { kind: 'pronoun' } | { kind: 'group' } | undefined;

/**
 * Who speaks each quotation of an English chapter, from the text's own cues: a speech verb beside a
 * name after the quotation ("…," said Alice; "…," the March Hare said) or leading into it (Alice
 * said, "…"), a pronoun taken as the character last named before it, the paragraph's other
 * quotations (one speaker to a paragraph), and turns that alternate between two speakers. A
 * quotation with no cue, or said by a group ("they cried"), is null: the narrator reads it. Pure.
 */
export function attributeByCues(paragraphs: readonly string[]): (string | null)[] {
  const quotes = chapterQuotations(paragraphs);
  const byParagraph = new Map<number, Quotation[]>();
  for (const q of quotes) byParagraph.set(q.paragraph, [...(byParagraph.get(q.paragraph) ?? []), q]);
  const cues = quotes.map((q) => cueOf(paragraphs[q.paragraph]!, q, byParagraph.get(q.paragraph)!));
  // The speakers strong cues name: the only names a pronoun or a sentence's subject may stand for.
  const known = new Map<string, string>();
  for (const cue of cues) if (cue?.kind === 'name' && isName(cue.name)) known.set(speakerKey(cue.name), speakerName(cue.name));
  const speakers: (string | null)[] = quotes.map((q, i) => {
    const cue = cues[i];
    if (cue?.kind === 'name') return isName(cue.name) ? known.get(speakerKey(cue.name)) ?? null : null;
    if (cue?.kind === 'pronoun') return lastNamed(paragraphs, q, known);
    return null;
  });
  // A paragraph is one speaker's: its quotations without a cue take the speaker its others name.
  for (const [, qs] of byParagraph) {
    const named = qs.map((q) => speakers[q.index]).find((s) => s !== null && s !== undefined);
    if (named === undefined || named === null) continue;
    for (const q of qs) if (speakers[q.index] === null && cues[q.index]?.kind !== 'group') speakers[q.index] = named;
  }
  // Turns: a paragraph of dialogue with no cue at all, after two of two different speakers, is the first one's again.
  const paragraphSpeaker = (p: number): string | null | undefined => {
    const qs = byParagraph.get(p);
    if (qs === undefined) return undefined;
    const named = qs.map((q) => speakers[q.index]).filter((s): s is string => s !== null);
    return named.length > 0 && named.every((s) => s === named[0]) ? named[0]! : null;
  };
  for (let p = 2; p < paragraphs.length; p++) {
    const qs = byParagraph.get(p);
    if (qs === undefined || qs.some((q) => speakers[q.index] !== null || cues[q.index] !== undefined)) continue;
    // Only a paragraph that is all quotation: narration in it may bring in someone else.
    if (narrationOf(paragraphs[p]!, qs).trim() !== '') continue;
    const previous = paragraphSpeaker(p - 1);
    const before = paragraphSpeaker(p - 2);
    if (typeof previous === 'string' && typeof before === 'string' && previous !== before) for (const q of qs) speakers[q.index] = before;
  }
  return speakers;
}

/** The cue around one quotation, looked for after it first (the usual "…," said X), then leading into it. */
function cueOf(paragraph: string, q: Quotation, siblings: Quotation[]): Cue {
  const next = siblings.find((s) => s.start >= q.end);
  const previous = [...siblings].reverse().find((s) => s.end <= q.start);
  const after = paragraph.slice(q.end, next?.start ?? paragraph.length);
  const before = paragraph.slice(previous?.end ?? 0, q.start);
  const match = AFTER_VERB_NAME.exec(after) ?? AFTER_NAME_VERB.exec(after);
  if (match) return nameCue(match[1]!);
  // Leading into it: the last sentence before the quotation holds a speech verb and runs into the quotation.
  const sentence = before.trim().split(/(?<=[.!?])\s+/u).at(-1) ?? '';
  if (!HAS_VERB.test(sentence)) return undefined;
  // Its subject: the first name or pronoun in it ("Here the Dormouse ... began singing": the Dormouse).
  for (const m of sentence.matchAll(new RegExp(`(?<![\\p{L}])(${NAME}|${PRONOUN})(?![\\p{L}])`, 'gu'))) {
    const word = m[1]!;
    if (isName(word) || PRONOUNS.test(word) || /^(?:they|we)$/iu.test(word)) return nameCue(word);
  }
  return undefined;
}

function nameCue(word: string): Cue {
  if (/^they$|^we$/iu.test(word)) return { kind: 'group' };
  if (PRONOUNS.test(word)) return { kind: 'pronoun' };
  return { kind: 'name', name: word };
}

function isName(candidate: string): boolean {
  const words = candidate.replace(/^the\s+/iu, '').split(/\s+/u);
  const first = words[0] ?? '';
  // All capitals is emphasis in a Gutenberg text ("YOUR table"), not a name.
  if (first.length > 1 && first === first.toUpperCase()) return false;
  return !NOT_NAMES.has(first.toLowerCase());
}

/** The narration of a paragraph: its text with its quotations taken out. */
function narrationOf(paragraph: string, quotes: Quotation[]): string {
  let out = '';
  let from = 0;
  for (const q of quotes) {
    out += paragraph.slice(from, q.start);
    from = q.end;
  }
  return out + paragraph.slice(from);
}

/** The known speaker named last before a quotation (its paragraph's narration, then the two paragraphs before): who "he" or "she" is. */
function lastNamed(paragraphs: readonly string[], q: Quotation, known: Map<string, string>): string | null {
  const own = chapterQuotations([paragraphs[q.paragraph]!]);
  const before = narrationOf(paragraphs[q.paragraph]!.slice(0, q.start), own.filter((o) => o.end <= q.start));
  const texts = [before, ...[1, 2].map((back) => paragraphs[q.paragraph - back] ?? '')];
  for (const text of texts) {
    // The subject of the nearest sentence that names someone: the first name in it.
    for (const sentence of text.split(/(?<=[.!?])\s+/u).reverse()) {
      for (const m of sentence.matchAll(NAMES)) {
        // "Alice's head" names Alice.
        const name = known.get(speakerKey(m[0].replace(/['\u2019]s$/u, '')));
        if (name !== undefined) return name;
      }
    }
  }
  return null;
}
