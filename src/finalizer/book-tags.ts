import type { BookSettings, FinalizeJobData } from '../contracts/job-data.js';
import type { BookOutput } from '../store/book-output.js';

/**
 * The tags every file of a book carries, as ffmpeg metadata keys (ffmpeg maps them to each
 * container's own: ©nam/©alb/©ART/aART/©wrt/©gen/©day/desc/stik in MP4, TIT2/TALB/TPE1/TPE2/TCOM/
 * TCON/TYER in ID3v2.3, Vorbis comments in Ogg and FLAC). Author is artist and album artist,
 * narrator the composer, as audiobook players (Apple Books, Plex, Audiobookshelf) read them.
 */
export function bookTags(book: Pick<FinalizeJobData, 'title' | 'author' | 'voice' | 'finish'>, format: string): Record<string, string> {
  const finish = book.finish;
  const tags: Record<string, string> = {
    title: book.title,
    album: book.title,
    artist: book.author,
    album_artist: book.author,
    composer: finish?.narrator ?? book.voice,
    genre: 'Audiobook',
  };
  if (finish?.year) tags.date = finish.year;
  if (finish?.description) {
    tags.description = finish.description;
    tags.comment = finish.description;
  }
  if (finish?.publisher) tags.publisher = finish.publisher;
  if (finish?.language) tags.language = finish.language;
  // MP4's stik atom: 2 is "audiobook", what makes Apple's players file it under Books.
  if (format === 'm4b' || format === 'm4a') tags.media_type = '2';
  return tags;
}

/**
 * ffmpeg arguments that add the cover (input `index`) as an attached picture, per container: MP4
 * (covr) and MP3 (APIC) take it as a video stream with the attached_pic disposition, copied as is.
 */
export function coverArgs(format: string, index: number): string[] {
  if (format === 'm4b' || format === 'm4a' || format === 'mp3') {
    return ['-map', `${index}:v:0`, '-c:v', 'copy', '-disposition:v:0', 'attached_pic', '-metadata:s:v:0', 'title=Cover', '-metadata:s:v:0', 'comment=Cover (front)'];
  }
  return [];
}

/** A local file holding the book's cover for ffmpeg, or undefined for none (see BookCover). */
export async function coverFile(book: Pick<BookSettings, 'finish'>, out: BookOutput): Promise<string | undefined> {
  const cover = book.finish?.cover;
  if (!cover) return undefined;
  return cover.name === undefined ? cover.path : out.localPath(cover.name);
}

/**
 * Chapters as the CHAPTERnnn / CHAPTERnnnNAME Vorbis comments players read (ffmpeg's ogg muxer
 * writes them from chapter marks itself; its flac muxer does not, so a FLAC book carries these). Pure.
 */
export function chapterComments(chapters: readonly { title: string; startMs: number }[]): Record<string, string> {
  const out: Record<string, string> = {};
  chapters.forEach((c, i) => {
    const n = String(i).padStart(3, '0');
    const ms = Math.round(c.startMs);
    const hh = String(Math.floor(ms / 3_600_000)).padStart(2, '0');
    const mm = String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0');
    const ss = ((ms % 60_000) / 1000).toFixed(3).padStart(6, '0');
    out[`CHAPTER${n}`] = `${hh}:${mm}:${ss}`;
    out[`CHAPTER${n}NAME`] = c.title;
  });
  return out;
}
