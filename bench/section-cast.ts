/**
 * Section 11: does the cast give each quotation its speaker's voice? Chapter VII of Alice (the tea
 * party, ../shared/corpus), whose 149 quotations carry the speaker the text names, labelled by hand
 * (test/fixtures/cast/tea-party-speakers.json; 145 name one speaker, 4 a group). Measured:
 * - offline, the text's own cues (attributeByCues): the share of the named quotations attributed to
 *   the speaker the text names, the share left to the narrator, and the time it takes; the cues were
 *   written on this chapter, so Chapter VI (Pig and Pepper, 108 quotations, labelled by hand afterwards
 *   in test/fixtures/cast/pig-and-pepper-speakers.json) is measured too, held out;
 * - online, the real client (openai-node, structured output) against the fake chat model answering
 *   from the labelled truth: what the marking, the check and the mapping keep of a right answer, the
 *   calls it took, and the calls a re-run takes (the cache);
 * - for both, through planBook's chunking: the share of named quotations in a chunk read by the
 *   voice the cast gives their speaker, and chunks of narration read by a character's voice.
 */
import { join } from 'node:path';
import { attributeBook, type AttributionCache } from '../src/cast/attribute-book.js';
import { attributeByCues } from '../src/cast/attribute-by-cues.js';
import { chatTextModel } from '../src/cast/chat-text-model.js';
import { loadBook, type LoadedBook } from '../src/producer/load-book.js';
import { planBook } from '../src/producer/plan-book.js';
import { CORPUS } from '../test/helpers/corpus.js';
import { FAKE_MODELS, markedQuotations, startFakeModel } from '../test/helpers/fake-model-server.js';
import { scoreCast, TEA_PARTY_SPEAKERS } from '../test/helpers/tea-party.js';
import PIG_AND_PEPPER from '../test/fixtures/cast/pig-and-pepper-speakers.json' with { type: 'json' };
import type { BenchOptions } from './options.js';
import type { Report } from './report.js';
import { fixed, pct } from './stats.js';

const S = 'cast';
const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse'];

export async function castSection(_options: BenchOptions, report: Report): Promise<void> {
  process.stdout.write('\n== 11. cast: who speaks each quotation of the tea party ==\n');
  const book = await loadBook(join(CORPUS, 'alice.txt'));
  const index = book.chapters.findIndex((c) => c.title.includes('Tea-Party'));
  const chapter = book.chapters[index]!;
  const labelled = TEA_PARTY_SPEAKERS.filter((q) => q.speaker !== null);
  const teaParty: LoadedBook = { ...book, chapters: [chapter] };

  const voiced = (speakers: (string | null)[]) => {
    const plan = planBook(teaParty, { outDir: '/tmp', slug: 'tea-party', defaultVoice: 'alloy', defaultMaxChars: 1200, defaultStyle: '', cast: { speakers: [speakers], available: VOICES } });
    const voiceOf = new Map(plan.finalize.cast!.map((m) => [m.speaker, m.voice]));
    const score = scoreCast(plan.synthesize, (s) => voiceOf.get(s), 'alloy');
    return `${pct(score.right / score.named)} of named quotations in a chunk of their speaker's voice, ${score.narrationByCharacter} chunks of narration in a character's voice (${plan.synthesize.length} chunks)`;
  };

  // Offline: the text's cues.
  const started = performance.now();
  const cues = attributeByCues(chapter.paragraphs);
  const cueMs = performance.now() - started;
  const right = labelled.filter((q) => cues[q.index] === q.speaker).length;
  const toNarrator = labelled.filter((q) => cues[q.index] === null).length;
  report.add({ section: S, metric: 'offline (text cues): quotations attributed to the speaker the text names', value: `${pct(right / labelled.length)} (${right} of ${labelled.length}; ${toNarrator} left to the narrator, ${labelled.length - right - toNarrator} to another speaker; ${fixed(cueMs, 1)} ms)`, target: '≥ 90%', ok: right / labelled.length >= 0.9 });
  report.add({ section: S, metric: 'offline (text cues): read by the right voice', value: voiced(cues) });

  // Held out: Chapter VI, labelled after the cues were written on Chapter VII and never used to tune them.
  const pig = book.chapters.find((c) => c.title.includes('Pig and Pepper'))!;
  const pigCues = attributeByCues(pig.paragraphs);
  const pigNamed = PIG_AND_PEPPER.quotations.filter((q) => q.speaker !== null);
  const pigRight = pigNamed.filter((q) => pigCues[q.index] === q.speaker).length;
  const pigNarrator = pigNamed.filter((q) => pigCues[q.index] === null).length;
  report.add({ section: S, metric: 'offline (text cues), held-out Chapter VI: quotations attributed to the speaker the text names', value: `${pct(pigRight / pigNamed.length)} (${pigRight} of ${pigNamed.length}; ${pigNarrator} left to the narrator, ${pigNamed.length - pigRight - pigNarrator} to another speaker)` });

  // Online: the real client against the fake chat model answering from the truth.
  const fake = await startFakeModel({
    models: [...FAKE_MODELS, 'gpt-4o-mini'],
    answerText: ({ text }) =>
      JSON.stringify({ quotations: markedQuotations(text).map((q) => ({ index: q.index, speaker: TEA_PARTY_SPEAKERS[q.index]?.speaker ?? 'narrator' })) }),
  });
  const model = chatTextModel({ apiKey: 'test-key', baseUrl: fake.url, castModel: 'gpt-4o-mini', requestTimeoutMs: 60_000 });
  try {
    const stored = new Map<string, (string | null)[]>();
    const cache: AttributionCache = { get: async (k) => stored.get(k), set: async (k, v) => void stored.set(k, v) };
    const first = await attributeBook([chapter], { model, cache });
    const online = first.speakers[0]!;
    const kept = labelled.filter((q) => online[q.index] === q.speaker).length;
    report.add({ section: S, metric: 'online (fake model answering the truth): quotations attributed as answered', value: `${pct(kept / labelled.length)} (${kept} of ${labelled.length}; ${first.calls} call, ${first.usage.promptTokens} prompt / ${first.usage.completionTokens} completion tokens as the fake counts them)` });
    report.add({ section: S, metric: 'online: read by the right voice', value: voiced(online) });
    const again = await attributeBook([chapter], { model, cache });
    report.add({ section: S, metric: 'online: attribution calls of a re-run', value: `${again.calls} (${again.cached} chapter from the cache)`, target: '0', ok: again.calls === 0 });
    report.summary.push(`cast: cues ${pct(right / labelled.length)} of the tea party's quotations (${pct(pigRight / pigNamed.length)} held out)`);
  } finally {
    await model.close();
    await fake.close();
  }
  report.note('cast: the truth is test/fixtures/cast/tea-party-speakers.json; the online figures show what narrate keeps of a right answer, not how well a real model attributes (none can be reached from here)');
}
