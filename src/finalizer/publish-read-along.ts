import { readFile, rm, writeFile } from 'node:fs/promises';
import type { BookSentence } from '../align/book-sentence.js';
import type { FinalizeJobData } from '../contracts/job-data.js';
import type { BookOutput } from '../store/book-output.js';
import { readAlongEpub, type ChapterAudio } from './containers/read-along-epub.js';
import { textBookEpub } from './containers/text-book-epub.js';
import { probeAudio, runFfmpeg } from './ffmpeg.js';

/** What a read-along EPUB of a finished book is made from. */
export interface ReadAlongSource {
  out: BookOutput;
  book: Pick<FinalizeJobData, 'bookId' | 'title' | 'author' | 'language' | 'slug' | 'sources' | 'submittedAt'>;
  /** Every aligned sentence on the book's timeline. */
  sentences: readonly BookSentence[];
  /** The finished book's audio, a local file. */
  audioPath: string;
  /** Each chapter of the manifest (numbered from 1, as the sentences) on the book's timeline. */
  chapters: readonly { title: string; startMs: number; endMs: number }[];
  signal?: AbortSignal;
}

/**
 * Writes `<slug>.epub` beside the book (a directory or a bucket, like every book file): the source EPUB
 * with overlays when the book was read from one EPUB this host can read, else an EPUB made from its
 * text (chapter titles, a chunk to a paragraph). The chapters' audio is cut from the finished book and
 * encoded as MP3, the audio every EPUB reader plays. Returns where it is and how many sentences it syncs.
 */
export async function publishReadAlong(source: ReadAlongSource): Promise<{ location: string; synchronized: number; unsynchronized: number }> {
  const { out, book } = source;
  const name = `${book.slug}.epub`;
  const audio: ChapterAudio[] = [];
  const scratch: string[] = [];
  try {
    for (const [i, chapter] of source.chapters.entries()) {
      if (!source.sentences.some((s) => s.chapter === i + 1)) continue;
      const path = await out.scratchPath(`${book.slug}.readalong-${i + 1}.mp3`);
      scratch.push(path);
      // Seeking on the input: ffmpeg decodes from the packet before and drops samples up to the time.
      const args = ['-ss', seconds(chapter.startMs), '-to', seconds(chapter.endMs), '-i', source.audioPath, '-vn', '-map_metadata', '-1', '-ac', '1', '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3', path];
      await runFfmpeg(args, source.signal ? { signal: source.signal } : {});
      // The encoder's own length, not the range asked for: a clip never ends after its file does.
      audio.push({ chapter: i + 1, path, type: 'audio/mpeg', startMs: chapter.startMs, durationMs: Math.min(chapter.endMs - chapter.startMs, (await probeAudio(path)).durationMs) });
    }
    const original = await sourceEpub(book.sources);
    const epub =
      original ??
      (await textBookEpub({
        identifier: `urn:narrate:${book.bookId}`,
        title: book.title,
        ...(book.author ? { author: book.author } : {}),
        language: book.language ?? 'en',
        modified: new Date(book.submittedAt),
        chapters: source.chapters.map((chapter, i) => ({ title: chapter.title, paragraphs: paragraphs(chapter.title, source.sentences.filter((s) => s.chapter === i + 1)) })),
      }));
    const made = await readAlongEpub({ epub, name: original ? (book.sources[0] as string) : book.title, sentences: source.sentences, audio });
    const file = await out.scratchPath(name);
    scratch.push(file);
    await writeFile(file, made.epub);
    const location = await out.publish(file, name);
    return { location, synchronized: made.synchronized, unsynchronized: made.unsynchronized };
  } finally {
    await Promise.all(scratch.map((path) => rm(path, { force: true })));
  }
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** The one EPUB the book was read from, when this host can read it; else undefined (a text book, or sources elsewhere). */
async function sourceEpub(sources: readonly string[]): Promise<Buffer | undefined> {
  const [only, ...rest] = sources;
  if (only === undefined || rest.length > 0 || !/\.epub$/i.test(only)) return undefined;
  return readFile(only).catch(() => undefined);
}

/** A chapter's sentences as paragraphs, a chunk each; a heard heading the same as the title stands alone. */
function paragraphs(title: string, sentences: readonly BookSentence[]): string[] {
  const out: string[] = [];
  let chunk = -1;
  const letters = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  sentences.forEach((s, i) => {
    if (i === 0 && letters(s.text) === letters(title)) {
      out.push(s.text);
      chunk = -2;
      return;
    }
    if (s.chunk !== chunk) out.push(s.text);
    else out[out.length - 1] += ` ${s.text}`;
    chunk = s.chunk;
  });
  return out;
}
