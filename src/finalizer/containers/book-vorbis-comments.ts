import { chapterComments } from '../book-tags.js';

/**
 * ffmpeg's metadata keys (bookTags) as Vorbis comment fields. ALBUMARTIST is the field ffmpeg
 * writes and reads back as album_artist. Description and comment get fields of their own here
 * (ffmpeg's muxers fold both into DESCRIPTION, the last one winning; its demuxers read DESCRIPTION
 * back as `comment`). Publisher: PUBLISHER is what ffmpeg writes and what ffprobe (hence
 * Audiobookshelf and other ffprobe-based libraries) reads back as `publisher`; ORGANIZATION is the
 * Vorbis comment specification's own field for it, which taggers such as foobar2000 and Picard use.
 */
const FIELDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  title: ['TITLE'],
  album: ['ALBUM'],
  artist: ['ARTIST'],
  album_artist: ['ALBUMARTIST'],
  composer: ['COMPOSER'],
  genre: ['GENRE'],
  date: ['DATE'],
  description: ['DESCRIPTION'],
  comment: ['COMMENT'],
  publisher: ['PUBLISHER', 'ORGANIZATION'],
  language: ['LANGUAGE'],
});

// Vorbis I §5.2.3: a field name is printable ASCII 0x20–0x7D without '='.
const FIELD_NAME = /^[\x20-\x3c\x3e-\x7d]+$/;

/**
 * A book's tags and chapters as `FIELD=value` Vorbis comments for Ogg Opus and FLAC: known keys
 * mapped as ffmpeg does (see FIELDS), any other key upper-cased, then CHAPTERnnn / CHAPTERnnnNAME.
 */
export function bookVorbisComments(tags: Readonly<Record<string, string>>, chapters: readonly { title: string; startMs: number }[]): string[] {
  const comments: string[] = [];
  for (const [key, value] of Object.entries(tags)) {
    const fields = FIELDS[key] ?? [key.toUpperCase()];
    for (const field of fields) {
      if (!FIELD_NAME.test(field)) throw new RangeError(`tag ${JSON.stringify(key)} cannot be a Vorbis comment field (printable ASCII without '=')`);
      comments.push(`${field}=${value}`);
    }
  }
  for (const [field, value] of Object.entries(chapterComments(chapters))) comments.push(`${field}=${value}`);
  return comments;
}
