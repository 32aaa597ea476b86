import { describe, expect, it } from 'vitest';
import { attributeBook, type AttributionCache } from '../../../src/cast/attribute-book.js';
import { attributeByCues } from '../../../src/cast/attribute-by-cues.js';
import { castVoices } from '../../../src/cast/cast-voices.js';
import { chapterQuotations } from '../../../src/cast/chapter-quotations.js';
import type { AttributionModel } from '../../../src/cast/chat-text-model.js';
import { checkAttribution } from '../../../src/cast/check-attribution.js';
import { findQuotations } from '../../../src/cast/find-quotations.js';
import { loadBook } from '../../../src/producer/load-book.js';
import { planBook } from '../../../src/producer/plan-book.js';
import { join } from 'node:path';
import { CORPUS } from '../../helpers/corpus.js';
import { scoreCast, TEA_PARTY_SPEAKERS } from '../../helpers/tea-party.js';
import { FLITE_VOICES } from '../../../src/language/offline-voice.js';

const teaParty = async () => {
  const book = await loadBook(join(CORPUS, 'alice.txt'));
  const chapter = book.chapters.find((c) => c.title.includes('Tea-Party'))!;
  return { book, chapter };
};

describe('quotations', () => {
  it('takes quotation marks, not apostrophes, and keeps a quotation inside another whole', () => {
    const p = `'It's the BEST butter,' the March Hare said, 'that "I see what I eat" is the same; o'clock, you know.' And Alice's hat fell.`;
    expect(findQuotations(p).map((s) => p.slice(s.start, s.end))).toEqual([`'It's the BEST butter,'`, `'that "I see what I eat" is the same; o'clock, you know.'`]);
    expect(findQuotations('“Curly,” she said, “and on into the next paragraph').map((s) => s.end)).toEqual([8, 50]);
  });

  it('numbers the tea party\'s 149 quotations as the hand-labelled truth does', async () => {
    const { chapter } = await teaParty();
    expect(chapterQuotations(chapter.paragraphs).map((q) => q.text)).toEqual(TEA_PARTY_SPEAKERS.map((q) => q.text));
  });
});

describe('attribution by the text\'s cues', () => {
  it('names the speaker the text names for at least 90% of the tea party\'s quotations', async () => {
    const { chapter } = await teaParty();
    const speakers = attributeByCues(chapter.paragraphs);
    const labelled = TEA_PARTY_SPEAKERS.filter((q) => q.speaker !== null);
    const right = labelled.filter((q) => speakers[q.index] === q.speaker).length;
    expect(right / labelled.length).toBeGreaterThanOrEqual(0.9);
  });

  it('reads "…," said Alice, Alice said, "…", a pronoun and alternating turns', () => {
    const speakers = attributeByCues([
      `'Good morning,' said the Queen.`,
      `Alice said, 'Good morning to you.'`,
      `The Queen frowned. 'Who are you?' she asked.`,
      `'Only Alice.'`,
      `'A likely story.'`,
      `'It is true,' they all cried.`,
    ]);
    expect(speakers).toEqual(['The Queen', 'Alice', 'The Queen', 'Alice', 'The Queen', null]);
  });
});

describe('voices and chunks', () => {
  it('gives the most frequent speakers the first voices, never the narrator\'s, and honours a cast map', () => {
    const lines = new Map([['Alice', 60], ['The Hatter', 48], ['The Dormouse', 21], ['The Queen', 3]]);
    const voices = castVoices(lines, { narrator: 'alloy', available: ['alloy', 'ash', 'ballad', 'coral'], chosen: { 'the queen': 'fable' } });
    expect(Object.fromEntries(voices)).toEqual({ Alice: 'ash', 'The Hatter': 'ballad', 'The Dormouse': 'coral', 'The Queen': 'fable' });
    // Offline, alloy is rms: rms is never a character's voice.
    const offline = castVoices(lines, { narrator: 'alloy', available: FLITE_VOICES, sound: (v) => (v === 'alloy' ? 'rms' : v) });
    expect([...offline.values()]).not.toContain('rms');
  });

  it('cuts the tea party at every speaker turn: each quotation by its speaker\'s voice, no narration by a character', async () => {
    const { book } = await teaParty();
    const chapterIndex = book.chapters.findIndex((c) => c.title.includes('Tea-Party'));
    const speakers = book.chapters.map((_c, i) => (i === chapterIndex ? TEA_PARTY_SPEAKERS.map((q) => q.speaker) : []));
    const plan = planBook({ ...book, chapters: book.chapters }, { outDir: '/tmp/x', slug: 'alice', defaultVoice: 'alloy', defaultMaxChars: 1200, defaultStyle: '', cast: { speakers, available: ['alloy', 'ash', 'ballad', 'coral', 'echo'] } });
    const voiceOf = new Map(plan.finalize.cast!.map((m) => [m.speaker, m.voice]));
    const chunks = plan.synthesize.filter((c) => c.chapter === chapterIndex);
    const score = scoreCast(chunks, (s) => voiceOf.get(s), 'alloy');
    expect(score.right).toBe(score.named);
    expect(score.narrationByCharacter).toBe(0);
    expect(new Set(plan.finalize.cast!.map((m) => m.voice)).size).toBe(plan.finalize.cast!.length);
  });
});

describe('attribution by the chat model', () => {
  const chapters = [{ title: 'One', paragraphs: [`'Hello,' said Alice.`, `'Hello yourself,' said the Hatter.`] }];
  const model = (answers: (string | Error)[]): AttributionModel & { calls: number } => ({
    model: 'text-model',
    calls: 0,
    async attribute() {
      const answer = answers[this.calls++] ?? answers.at(-1)!;
      if (answer instanceof Error) throw answer;
      return { content: answer, usage: { promptTokens: 10, completionTokens: 5 } };
    },
    async close() {},
  });

  it('checks the answer: every quotation exactly once, "narrator" for nobody, names kept as first met', () => {
    const known = new Map([['hatter', 'The Hatter']]);
    expect(checkAttribution('{"quotations":[{"index":0,"speaker":"Alice"},{"index":1,"speaker":"the hatter"}]}', 2, known)).toEqual({ speakers: ['Alice', 'The Hatter'] });
    expect(checkAttribution('{"quotations":[{"index":0,"speaker":"narrator"},{"index":1,"speaker":"Alice"}]}', 2, known)).toEqual({ speakers: [null, 'Alice'] });
    expect(checkAttribution('{"quotations":[{"index":0,"speaker":"Alice"}]}', 2, known)).toEqual({ problem: expect.stringContaining('quotation 1 is not attributed') });
    expect(checkAttribution('{"quotations":[{"index":0,"speaker":"A"},{"index":0,"speaker":"B"}]}', 2, known)).toEqual({ problem: 'quotation 0 is attributed twice' });
    expect(checkAttribution('not json', 2, known)).toEqual({ problem: 'the answer was not JSON' });
  });

  it('asks again after a bad answer, then reads the chapter by the narrator alone with a warning', async () => {
    const good = '{"quotations":[{"index":0,"speaker":"Alice"},{"index":1,"speaker":"The Hatter"}]}';
    const retried = model(['{"quotations":[]}', good]);
    expect((await attributeBook(chapters, { model: retried })).speakers).toEqual([['Alice', 'The Hatter']]);
    expect(retried.calls).toBe(2);
    const failing = model([Object.assign(new Error('Incorrect API key provided: sk-secret'), { status: 401 }), '{"quotations":[]}']);
    const result = await attributeBook(chapters, { model: failing });
    expect(result.speakers).toEqual([[null, null]]);
    expect(result.warnings).toEqual([expect.stringContaining('read by the narrator alone')]);
    expect(result.warnings.join()).not.toContain('sk-secret');
  });

  it('caches by the chapter\'s text: a second book of the same chapter makes no call', async () => {
    const stored = new Map<string, (string | null)[]>();
    const cache: AttributionCache = { get: async (k) => stored.get(k), set: async (k, v) => void stored.set(k, v) };
    const first = model(['{"quotations":[{"index":0,"speaker":"Alice"},{"index":1,"speaker":"The Hatter"}]}']);
    await attributeBook(chapters, { model: first, cache });
    const second = model(['{}']);
    const again = await attributeBook(chapters, { model: second, cache });
    expect(second.calls).toBe(0);
    expect(again).toMatchObject({ calls: 0, cached: 1, speakers: [['Alice', 'The Hatter']] });
  });
});
