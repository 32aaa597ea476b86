/**
 * Section 7: can a listener understand the offline voice? Fixed paragraphs of real books
 * (../shared/corpus) are read by each English offline voice exactly as narrate reads a chunk (the
 * OfflineNarrator: engine, resampling to 24 kHz, the spool), then heard by an independent recognizer,
 * CMU pocketsphinx with its US English model, which knows nothing of the text. Per voice:
 * - word error rate over all the paragraphs' words, normalised by the verbatim check's own rules
 *   (test/helpers/word-error-rate.ts): lower case, no punctuation, contractions expanded, numbers as
 *   digits. Words the recognizer's dictionary lacks ("Passepartout") count as errors for every voice;
 * - real-time factor: the wall time of narrate() ÷ the audio's duration (a warm-up reading of each
 *   engine first, so the one-off WebAssembly compile is not counted), on this loaded machine.
 * espeak-ng's en-us is measured beside them: it read every English book before flite.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { durationMs } from '../src/audio/wav-duration.js';
import type { FliteVoice } from '../src/language/offline-voice.js';
import { fliteText } from '../src/providers/flite-text.js';
import { OfflineNarrator } from '../src/providers/offline-narrator.js';
import { DURATION_STRETCH, FLITE_ARGUMENT } from '../src/providers/render-flite.js';
import { parseWav } from '../src/audio/parse-wav.js';
import { runOk } from '../test/helpers/run-tool.js';
import { AudioSpool } from '../src/store/audio-spool.js';
import { corpusParagraph } from '../test/helpers/corpus.js';
import { findRecognizer } from '../test/helpers/recognize-speech.js';
import { wordErrorRate } from '../test/helpers/word-error-rate.js';
import { removeDir, tempDir } from './cleanup.js';
import type { BenchOptions } from './options.js';
import type { Report } from './report.js';
import { fixed, pct } from './stats.js';

/** The paragraphs, by book and opening words: plain narration and dialogue, 55 to 85 words each, no digits. */
const PARAGRAPHS: readonly { file: string; opening: string }[] = [
  { file: 'alice.txt', opening: 'Alice was beginning to get very tired' },
  { file: 'around-the-world.txt', opening: 'A man rather feels the presence' },
  { file: 'alice.txt', opening: 'Just then she heard something splashing' },
  { file: 'around-the-world.txt', opening: 'Having uttered these words with a cool' },
  { file: 'alice.txt', opening: 'She drew her foot as far down the chimney' },
  { file: 'around-the-world.txt', opening: 'It was not enough to reach the walls' },
];

/**
 * The voices measured, by the name a user gives (`--voice`), and the target where there is one. `program`:
 * read by Debian's `flite` program instead of narrate (same text, same pace, its 16 kHz WAV heard as it is),
 * to tell what narrate's WebAssembly build and resampling do to the voice from what the voice is.
 */
const VOICES: readonly { voice: string; label: string; target?: number; program?: true }[] = [
  { voice: 'rms', label: 'rms (flite, the English default)', target: 0.15 },
  { voice: 'rms', label: "rms by Debian's flite program (for comparison; not narrate)", program: true },
  { voice: 'slt', label: 'slt (flite)' },
  { voice: 'awb', label: 'awb (flite)' },
  { voice: 'kal', label: 'kal (flite kal16)' },
  { voice: 'en-us', label: 'en-us (espeak-ng, the English voice before flite)' },
];

export async function voicesSection(o: BenchOptions, report: Report): Promise<void> {
  const S = '7 voices';
  const count = Math.min(PARAGRAPHS.length, Math.max(1, Math.round(o.voiceParagraphs)));
  const recognizer = findRecognizer();
  if (recognizer === undefined) throw new Error('pocketsphinx with its en-us model is not installed (npm run setup installs it)');
  const paragraphs = await Promise.all(PARAGRAPHS.slice(0, count).map((p) => corpusParagraph(p.file, p.opening)));
  const words = paragraphs.reduce((n, p) => n + p.split(' ').length, 0);
  process.stdout.write(`\n[7] voices: ${count} corpus paragraphs (${words} words) read by each English offline voice, heard by ${recognizer.name}\n`);
  const dir = await tempDir('voices');
  try {
    const spool = new AudioSpool(dir);
    const narrator = new OfflineNarrator(spool);
    // Warm-ups: each engine's WebAssembly is compiled on its first reading; a worker pays that once.
    for (const voice of ["rms", "en-us"]) {
      const warm = await narrator.narrate({ text: 'A warm-up.', voice, instructions: '', language: 'en' });
      await spool.discard(warm.audio?.path);
    }
    let summary = '';
    const program = spawnSync('flite', ['-lv'], { stdio: 'ignore' }).status === 0;
    for (const v of VOICES) {
      if (v.program && !program) {
        report.note(`voices: ${v.label} skipped: no flite program on PATH (Debian's flite package)`);
        continue;
      }
      let errors = 0;
      let referenceWords = 0;
      let synthMs = 0;
      let audioMs = 0;
      const worst: string[] = [];
      for (const text of paragraphs) {
        const started = performance.now();
        const result = v.program ? await fliteProgram(text, v.voice as FliteVoice, dir) : await narrator.narrate({ text, voice: v.voice, instructions: '', language: 'en' });
        synthMs += performance.now() - started;
        if (!result.audio) throw new Error(`${v.voice} returned no audio`);
        audioMs += result.audio.durationMs;
        const heard = await recognizer.recognize(result.audio.path);
        await spool.discard(result.audio.path);
        const wer = wordErrorRate(text, heard);
        errors += wer.substitutions + wer.deletions + wer.insertions;
        referenceWords += wer.words;
        worst.push(pct(wer.rate, 0));
      }
      const rate = errors / referenceWords;
      const ok = v.target === undefined ? undefined : rate <= v.target;
      report.add({
        section: S,
        metric: `${v.label}: word error rate`,
        value: `${pct(rate)} (${errors} errors in ${referenceWords} words; by paragraph ${worst.join(', ')})`,
        ...(v.target === undefined ? {} : { target: `≤ ${pct(v.target, 0)}`, ok: ok! }),
      });
      report.add({ section: S, metric: `${v.label}: real-time factor`, value: `${fixed(synthMs / audioMs, 3)} (${fixed(synthMs / 1000, 1)} s for ${fixed(audioMs / 1000, 1)} s of speech)` });
      if (v.target !== undefined) summary = `${v.voice} ${pct(rate)} WER`;
      if (v.voice === 'en-us') summary += ` (espeak-ng ${pct(rate, 0)})`;
    }
    report.note('word error rate: pocketsphinx en-us against the text, both normalised like the verbatim check (lower case, no punctuation, contractions expanded, numbers as digits); names the recognizer does not know count as errors for every voice');
    report.summary.push(summary);
  } finally {
    await removeDir(dir);
  }
}

/** `text` read by Debian's flite program, with the text and pace narrate gives its WebAssembly build. */
async function fliteProgram(text: string, voice: FliteVoice, dir: string): Promise<{ audio: { path: string; durationMs: number } }> {
  const input = join(dir, 'program.txt');
  const path = join(dir, `program-${Date.now()}.wav`);
  await writeFile(input, fliteText(text));
  await runOk('flite', ['-voice', FLITE_ARGUMENT[voice], '--setf', `duration_stretch=${DURATION_STRETCH}`, '-f', input, '-o', path]);
  const { format, data } = parseWav(await readFile(path));
  return { audio: { path, durationMs: durationMs(format, data.length) } };
}
