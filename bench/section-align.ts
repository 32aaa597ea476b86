/**
 * Section 8: sentence alignment (src/align/). On speech whose sentence boundaries are known (each
 * sentence spoken on its own by a voice other than the reference, and joined), how close the aligned
 * sentence starts are, per language and pace; what aligning costs in CPU per minute of audio (the
 * reference's rendering included) and whether memory stays flat over many chunks; and how well the
 * check catches a reading with one sentence cut out, or the audio of another chunk, and how many good
 * readings it rejects, over chunks of real books.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { alignToReference } from '../src/align/align-to-reference.js';
import type { ChunkAlignment } from '../src/align/chunk-alignment.js';
import { referenceVoice } from '../src/align/reference-voice.js';
import { renderReference } from '../src/align/render-reference.js';
import { judgeAlignment } from '../src/align/judge-alignment.js';
import { CORPUS } from '../test/helpers/corpus.js';
import { joinSentences, type KnownSpeech, type TestVoice } from '../test/helpers/align-speech.js';
import { ESPEAK_VARIANT, FESTIVAL_IT, FLITE, random, read, type Pace } from './align-readings.js';
import { chunkSentences, sentenceWindows, textSentences } from './align-chunks.js';
import type { BenchOptions } from './options.js';
import { ROOT } from './processes.js';
import type { Report } from './report.js';
import { fixed, mb, pct, percentile } from './stats.js';

const S = '8 align';
/** Targets of issue 18. */
const MEAN_TARGET_MS = 100;
const P95_TARGET_MS = 300;
const CPU_TARGET_MS_PER_MIN = 2000;
const CAUGHT_TARGET = 0.95;
const REJECTED_TARGET = 0.01;
/** Memory counts as flat when the live heap and RSS after the warm-up grow by less than this over the run. */
const FLAT_BYTES = 24 * 1024 * 1024;

/** CPU of aligning, audio aligned, and memory samples, over every alignment of the section. */
class Meter {
  cpuMs = 0;
  renderMs = 0;
  audioMs = 0;
  alignments = 0;
  heap: number[] = [];
  rss: number[] = [];
  private readonly gc: () => void;

  constructor() {
    // The bench has no --expose-gc; a forced collection makes the live heap, not garbage, what is sampled.
    setFlagsFromString('--expose-gc');
    this.gc = runInNewContext('gc') as () => void;
  }

  /** What alignChunk does (render, then align), with the CPU of each half measured (the bench runs one at a time). */
  async align(speech: KnownSpeech, sentences: readonly string[], language: string): Promise<ChunkAlignment> {
    const voice = referenceVoice(language);
    const before = process.cpuUsage();
    const reference = await renderReference(sentences, voice);
    const rendered = process.cpuUsage(before);
    const aligned = alignToReference(speech.samples, speech.sampleRate, reference);
    const used = process.cpuUsage(before);
    this.cpuMs += (used.user + used.system) / 1000;
    this.renderMs += (rendered.user + rendered.system) / 1000;
    this.audioMs += aligned.durationMs;
    this.alignments++;
    if (this.alignments % 10 === 0) {
      this.gc();
      this.heap.push(process.memoryUsage().heapUsed);
      this.rss.push(process.memoryUsage().rss);
    }
    const result: ChunkAlignment = { ...aligned, reference: voice, work: { renderMs: 0, alignMs: 0, cells: aligned.cells } };
    return result;
  }
}

/** Books to take chunks from: names in ../shared/corpus, or absolute paths. */
function bookPaths(list: string): string[] {
  return list.split(',').map((b) => (isAbsolute(b) ? b : join(CORPUS, b)));
}

export async function alignSection(o: BenchOptions, report: Report): Promise<void> {
  process.stdout.write(`\n[8] align: accuracy on ${o.alignAccuracyChunks} chunks per language and pace, the check on ${o.alignChunks} chunks of ${o.alignBooks} and ${o.alignItalianChunks} Italian ones\n`);
  const meter = new Meter();
  const english: string[][] = [];
  for (const book of bookPaths(o.alignBooks)) english.push(...(await chunkSentences(book, 'en', o.alignChunks - english.length)));
  const italian = textSentences(await readFile(join(ROOT, 'bench', 'fixtures', 'italiano.txt'), 'utf8'), 'it');

  // 1. Accuracy of sentence starts against the known boundaries.
  const conditions: Array<{ label: string; language: string; voices: TestVoice[]; pace: Pace; chunks: string[][] }> = [
    { label: 'English, flite (4 voices), natural pace', language: 'en', voices: FLITE, pace: 'natural', chunks: english.slice(0, o.alignAccuracyChunks) },
    { label: 'English, flite (4 voices), varied pace', language: 'en', voices: FLITE, pace: 'varied', chunks: english.slice(o.alignAccuracyChunks, 2 * o.alignAccuracyChunks) },
    { label: 'Italian, festival (2 voices), natural pace', language: 'it', voices: FESTIVAL_IT, pace: 'natural', chunks: italian.slice(0, o.alignAccuracyChunks) },
    { label: 'Italian, festival (2 voices), varied pace', language: 'it', voices: FESTIVAL_IT, pace: 'varied', chunks: italian.slice(0, o.alignAccuracyChunks) },
    { label: 'English, espeak-ng en-gb+f3 pitch 75, varied pace', language: 'en', voices: ESPEAK_VARIANT, pace: 'varied', chunks: english.slice(0, Math.ceil(o.alignAccuracyChunks / 2)) },
  ];
  const allStarts: number[] = [];
  for (const c of conditions) {
    const starts: number[] = [];
    const ends: number[] = [];
    for (const [k, sentences] of c.chunks.entries()) {
      const { clips, pauses } = await read(sentences, c.voices, c.pace, k + (c.pace === 'varied' ? 1000 : 0));
      const speech = joinSentences(clips, pauses);
      const result = await meter.align(speech, sentences, c.language);
      result.sentences.forEach((s, i) => {
        starts.push(Math.abs(s.startMs - speech.truth[i]!.startMs));
        ends.push(Math.abs(s.endMs - speech.truth[i]!.endMs));
      });
    }
    allStarts.push(...starts);
    const mean = starts.reduce((a, b) => a + b, 0) / starts.length;
    const p95 = percentile(starts, 95);
    report.add({
      section: S,
      metric: `sentence start error, ${c.label} (${starts.length} sentences, ${c.chunks.length} chunks)`,
      value: `mean ${fixed(mean, 0)} ms, p95 ${fixed(p95, 0)} ms, max ${fixed(Math.max(...starts), 0)} ms`,
      target: `mean ≤ ${MEAN_TARGET_MS} ms, p95 ≤ ${P95_TARGET_MS} ms`,
      ok: mean <= MEAN_TARGET_MS && p95 <= P95_TARGET_MS,
    });
    report.add({ section: S, metric: `sentence end error, ${c.label}`, value: `mean ${fixed(ends.reduce((a, b) => a + b, 0) / ends.length, 0)} ms, p95 ${fixed(percentile(ends, 95), 0)} ms` });
  }

  // 2. The check, on good readings, readings with a sentence cut out, and the audio of another chunk:
  // English chunks of real books by flite's four voices, and Italian windows of the fixture by festival's two.
  const checked: Array<{ language: string; voices: TestVoice[]; chunks: string[][] }> = [
    { language: 'en', voices: FLITE, chunks: english },
    { language: 'it', voices: FESTIVAL_IT, chunks: sentenceWindows(italian, o.alignItalianChunks) },
  ];
  const tally = { good: 0, rejected: 0, cut: 0, caught: 0 };
  const byLanguage = new Map<string, typeof tally>();
  const byPace = new Map<Pace, { good: number; rejected: number }>();
  let wrong = 0;
  let wrongCaught = 0;
  const rejections: string[] = [];
  const missed: string[] = [];
  const costs: number[] = [];
  const wrongCosts: number[] = [];
  // The lowest skip test of each reading (judge-alignment.ts rejects below its minEvidence), to show the margin either side.
  const goodEvidence: number[] = [];
  const cutEvidence: number[] = [];
  const lowest = (r: ChunkAlignment) => Math.min(0, ...r.sentences.map((t) => t.evidence ?? 0));
  for (const { language, voices, chunks } of checked) {
    const counts = { good: 0, rejected: 0, cut: 0, caught: 0 };
    byLanguage.set(language, counts);
    let previous: KnownSpeech | undefined;
    for (const [k, sentences] of chunks.entries()) {
      const pace: Pace = k % 2 === 0 ? 'natural' : 'varied';
      const { clips, pauses } = await read(sentences, voices, pace, 5000 + k);
      const speech = joinSentences(clips, pauses);
      const result = await meter.align(speech, sentences, language);
      costs.push(result.cost);
      goodEvidence.push(lowest(result));
      counts.good++;
      const paced = byPace.get(pace) ?? { good: 0, rejected: 0 };
      byPace.set(pace, paced);
      paced.good++;
      const verdict = judgeAlignment(result, sentences);
      if (!verdict.ok) {
        counts.rejected++;
        paced.rejected++;
        rejections.push(`${language} chunk ${k} (${pace}): ${verdict.reason}`);
      }
      if (sentences.length >= 2) {
        const gone = Math.floor(random(9000 + k)() * sentences.length);
        const cutSpeech = joinSentences(clips.filter((_, i) => i !== gone), pauses.filter((_, i) => i !== gone));
        const cutResult = await meter.align(cutSpeech, sentences, language);
        counts.cut++;
        cutEvidence.push(lowest(cutResult));
        if (!judgeAlignment(cutResult, sentences).ok) counts.caught++;
        else missed.push(`${language} chunk ${k} (${pace}) without sentence ${gone + 1} of ${sentences.length}: "${sentences[gone]!.slice(0, 60)}"`);
      }
      if (language === 'en' && previous !== undefined && k % 4 === 0) {
        wrong++;
        const wrongResult = await meter.align(previous, sentences, language);
        wrongCosts.push(wrongResult.cost);
        if (!judgeAlignment(wrongResult, sentences).ok) wrongCaught++;
      }
      previous = speech;
    }
    for (const key of Object.keys(tally) as Array<keyof typeof tally>) tally[key] += counts[key];
  }
  const { good, rejected, cut, caught } = tally;
  const each = [...byLanguage].map(([language, c]) => `${language} ${c.rejected} of ${c.good}`).join(', ');
  const paces = [...byPace].map(([pace, c]) => `${pace} ${c.rejected} of ${c.good}`).join(', ');
  report.add({ section: S, metric: `good readings rejected (${good} chunks, half at varied pace)`, value: `${rejected} = ${pct(rejected / good, 2)} (${each}; ${paces})`, target: `≤ ${pct(REJECTED_TARGET, 0)}`, ok: rejected / good <= REJECTED_TARGET });
  const eachCut = [...byLanguage].map(([language, c]) => `${language} ${c.caught} of ${c.cut}`).join(', ');
  report.add({ section: S, metric: `readings with one sentence cut out caught (${cut} chunks)`, value: `${caught} = ${pct(caught / cut, 1)} (${eachCut})`, target: `≥ ${pct(CAUGHT_TARGET, 0)}`, ok: caught / cut >= CAUGHT_TARGET });
  report.add({ section: S, metric: `audio of another chunk caught (${wrong} English chunks)`, value: `${wrongCaught} = ${pct(wrongCaught / wrong, 1)}` });
  report.add({ section: S, metric: 'alignment cost of good readings', value: `median ${fixed(percentile(costs, 50))}, p99 ${fixed(percentile(costs, 99))}, max ${fixed(Math.max(...costs))}` });
  report.add({ section: S, metric: 'lowest skip test per reading, good readings', value: `min ${fixed(Math.min(...goodEvidence))}, p1 ${fixed(percentile(goodEvidence, 1))}, p5 ${fixed(percentile(goodEvidence, 5))}` });
  report.add({ section: S, metric: 'lowest skip test per reading, one sentence cut out', value: `p50 ${fixed(percentile(cutEvidence, 50))}, p95 ${fixed(percentile(cutEvidence, 95))}, max ${fixed(Math.max(...cutEvidence))}` });
  report.add({ section: S, metric: 'alignment cost of another chunk\'s audio', value: `min ${fixed(Math.min(...wrongCosts))}, median ${fixed(percentile(wrongCosts, 50))}` });
  for (const r of rejections.slice(0, 5)) report.note(`align: good reading rejected: ${r}`);
  for (const m of missed.slice(0, 5)) report.note(`align: cut not caught: ${m}`);

  // 3. Cost and memory over every alignment above.
  const perMinute = meter.cpuMs / (meter.audioMs / 60_000);
  report.add({
    section: S,
    metric: `CPU per minute of audio (${meter.alignments} alignments, ${fixed(meter.audioMs / 60_000, 0)} min, reference rendering included)`,
    value: `${fixed(perMinute, 0)} ms, of which rendering the reference ${pct(meter.renderMs / meter.cpuMs, 0)}`,
    target: `≤ ${CPU_TARGET_MS_PER_MIN} ms`,
    ok: perMinute <= CPU_TARGET_MS_PER_MIN,
  });
  const warm = Math.min(1, meter.heap.length - 1);
  const heapGrowth = (meter.heap.at(-1) ?? NaN) - (meter.heap[warm] ?? NaN);
  const rssGrowth = (meter.rss.at(-1) ?? NaN) - (meter.rss[warm] ?? NaN);
  report.add({
    section: S,
    metric: `memory after alignment ${10 * (warm + 1)} → ${meter.alignments} (after a forced GC)`,
    value: `heap ${mb(meter.heap[warm] ?? NaN)} → ${mb(meter.heap.at(-1) ?? NaN)}, RSS ${mb(meter.rss[warm] ?? NaN)} → ${mb(meter.rss.at(-1) ?? NaN)} (max ${mb(Math.max(...meter.rss))})`,
    target: `grows < ${mb(FLAT_BYTES)}`,
    ok: heapGrowth < FLAT_BYTES && rssGrowth < FLAT_BYTES,
  });
  const mean = allStarts.reduce((a, b) => a + b, 0) / allStarts.length;
  report.summary.push(`align start error mean ${fixed(mean, 0)} ms, ${fixed(perMinute, 0)} ms CPU/min, cut caught ${pct(caught / cut, 0)}, good rejected ${pct(rejected / good, 1)}`);
}
