import { AudioFormatError } from '../../errors.js';

/**
 * The body of a Vorbis comment header as Opus (after "OpusTags") and FLAC (the VORBIS_COMMENT
 * block) carry it: a vendor string and `FIELD=value` comments, each preceded by its byte length
 * as a 32-bit little-endian number, all UTF-8. No framing bit: that belongs to Vorbis audio alone.
 */
export function encodeVorbisComment(vendor: string, comments: readonly string[]): Buffer {
  const parts: Buffer[] = [lengthPrefixed(vendor), u32le(comments.length)];
  for (const comment of comments) {
    const eq = comment.indexOf('=');
    if (eq <= 0) throw new RangeError(`a Vorbis comment is FIELD=value, got ${JSON.stringify(comment.slice(0, 40))}`);
    parts.push(lengthPrefixed(comment));
  }
  return Buffer.concat(parts);
}

/** The vendor string and comments of a Vorbis comment header body (see encodeVorbisComment). */
export function readVorbisComment(body: Buffer): { vendor: string; comments: string[] } {
  let at = 0;
  const take = (what: string): Buffer => {
    if (at + 4 > body.length) throw new AudioFormatError(`Vorbis comment header ends inside the length of its ${what}`);
    const length = body.readUInt32LE(at);
    if (at + 4 + length > body.length) throw new AudioFormatError(`Vorbis comment header: its ${what} claims ${length} bytes, ${body.length - at - 4} are left`);
    at += 4 + length;
    return body.subarray(at - length, at);
  };
  const vendor = take('vendor string').toString('utf8');
  if (at + 4 > body.length) throw new AudioFormatError('Vorbis comment header ends before its comment count');
  const count = body.readUInt32LE(at);
  at += 4;
  const comments: string[] = [];
  for (let i = 0; i < count; i++) comments.push(take(`comment ${i}`).toString('utf8'));
  return { vendor, comments };
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([u32le(bytes.length), bytes]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
