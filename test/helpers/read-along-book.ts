/**
 * A small book narrated for read-along tests: each chapter's sentences spoken by flite, joined into the
 * chapter's audio (MP3, as an EPUB carries it), and timed by the real aligner (alignChunk), so the
 * overlays are built from the timings a book would get.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BookSentence } from '../../src/align/book-sentence.js';
import { alignChunk } from '../../src/align/align-chunk.js';
import { writeWav } from '../../src/audio/write-wav.js';
import type { ChapterAudio } from '../../src/finalizer/containers/read-along-epub.js';
import { joinSentences, speakSentence, TEST_RATE } from './align-speech.js';
import { runOk } from './run-tool.js';

/** Narrated chapters: the sentences on the book's timeline and each chapter's MP3. */
export interface NarratedBook {
  sentences: BookSentence[];
  audio: ChapterAudio[];
}

/** Speaks and aligns `chapters` (each a list of sentences) into `dir`; chapter n's audio starts where n-1's ends. */
export async function narrateForReadAlong(chapters: readonly (readonly string[])[], dir: string): Promise<NarratedBook> {
  const sentences: BookSentence[] = [];
  const audio: ChapterAudio[] = [];
  let bookMs = 0;
  let chunk = 0;
  for (const [c, texts] of chapters.entries()) {
    const clips = await Promise.all(texts.map((text) => speakSentence({ engine: 'flite', voice: 'slt' }, text)));
    const speech = joinSentences(
      clips,
      clips.map(() => 450),
    );
    const alignment = await alignChunk({ pcm: speech.samples, sampleRate: TEST_RATE, sentences: texts, language: 'en' });
    alignment.sentences.forEach((s, i) =>
      sentences.push({ chapter: c + 1, chunk, text: texts[i] as string, startMs: bookMs + s.startMs, endMs: bookMs + s.endMs }),
    );
    chunk++;
    const wav = join(dir, `chapter-${c + 1}.wav`);
    const mp3 = join(dir, `chapter-${c + 1}.mp3`);
    const pcm = Buffer.from(speech.samples.buffer, speech.samples.byteOffset, speech.samples.byteLength);
    await writeFile(wav, writeWav({ sampleRate: TEST_RATE, channels: 1, bitsPerSample: 16 }, pcm));
    await runOk('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-i', wav, '-c:a', 'libmp3lame', '-b:a', '64k', mp3]);
    const durationMs = await probeDurationMs(mp3);
    audio.push({ chapter: c + 1, path: mp3, startMs: bookMs, durationMs });
    bookMs += durationMs;
  }
  return { sentences, audio };
}

/** ffprobe's duration of a media file, in ms. */
export async function probeDurationMs(path: string): Promise<number> {
  const { stdout } = await runOk('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', path]);
  return Math.round(Number.parseFloat(stdout.toString()) * 1000);
}
