/** Vorbis comment headers and the book's tags as Vorbis comment fields. */
import { describe, expect, it } from 'vitest';
import { bookVorbisComments } from '../../../../src/finalizer/containers/book-vorbis-comments.js';
import { encodeVorbisComment, readVorbisComment } from '../../../../src/finalizer/containers/vorbis-comment.js';

describe('Vorbis comments', () => {
  it('round-trips a vendor string and UTF-8 comments, lengths in bytes', () => {
    const body = encodeVorbisComment('narrate', ['TITLE=Les Misérables', 'ARTIST=維克多·雨果', 'DESCRIPTION=two\nlines']);
    expect(body.readUInt32LE(0)).toBe(7);
    expect(readVorbisComment(body)).toEqual({ vendor: 'narrate', comments: ['TITLE=Les Misérables', 'ARTIST=維克多·雨果', 'DESCRIPTION=two\nlines'] });
    expect(() => readVorbisComment(body.subarray(0, body.length - 1))).toThrow(/comment 2 claims \d+ bytes/);
    expect(() => encodeVorbisComment('narrate', ['no field'])).toThrow(/FIELD=value/);
  });

  it('maps ffmpeg keys to Vorbis fields and adds CHAPTERnnn comments', () => {
    const comments = bookVorbisComments(
      { title: 'T', album: 'Al', artist: 'Ar', album_artist: 'AA', composer: 'Co', genre: 'Audiobook', date: '1999', description: 'De', comment: 'Cm', publisher: 'Pu', language: 'fr', narrated_by: 'x' },
      [{ title: 'One', startMs: 0 }, { title: 'Two', startMs: 3_723_456.4 }],
    );
    expect(comments).toEqual([
      'TITLE=T', 'ALBUM=Al', 'ARTIST=Ar', 'ALBUMARTIST=AA', 'COMPOSER=Co', 'GENRE=Audiobook', 'DATE=1999', 'DESCRIPTION=De', 'COMMENT=Cm',
      'PUBLISHER=Pu', 'ORGANIZATION=Pu', 'LANGUAGE=fr', 'NARRATED_BY=x',
      'CHAPTER000=00:00:00.000', 'CHAPTER000NAME=One', 'CHAPTER001=01:02:03.456', 'CHAPTER001NAME=Two',
    ]);
    expect(() => bookVorbisComments({ 'a=b': 'x' }, [])).toThrow(/cannot be a Vorbis comment field/);
  });
});
