import { imageDimensions } from './image-dimensions.js';

/** A book's cover as FLAC and Ogg Opus embed it. */
export interface CoverPicture {
  mime: 'image/jpeg' | 'image/png';
  data: Buffer;
  /** Pixels; read from the image's header when omitted (0 if it cannot be read). */
  width?: number;
  height?: number;
}

/** FLAC picture type 3 (ID3v2's APIC types): the front cover, the one players show. */
const FRONT_COVER = 3;

/**
 * The body of a FLAC PICTURE metadata block (RFC 9639 §8.8), all numbers 32-bit big-endian: type
 * 3, MIME type, an empty description, width, height, bits per pixel, colours (0: not indexed), the
 * image. FLAC files carry it as a block; Ogg Opus as the base64 of a METADATA_BLOCK_PICTURE comment.
 */
export function flacPicture(cover: CoverPicture): Buffer {
  const measured = imageDimensions(cover.data);
  const mime = Buffer.from(cover.mime, 'ascii');
  const head = Buffer.alloc(32 + mime.length);
  let at = head.writeUInt32BE(FRONT_COVER, 0);
  at = head.writeUInt32BE(mime.length, at);
  at += mime.copy(head, at);
  at = head.writeUInt32BE(0, at); // description: none
  at = head.writeUInt32BE(cover.width ?? measured?.width ?? 0, at);
  at = head.writeUInt32BE(cover.height ?? measured?.height ?? 0, at);
  at = head.writeUInt32BE(measured?.depth ?? 0, at);
  at = head.writeUInt32BE(0, at);
  head.writeUInt32BE(cover.data.length, at);
  return Buffer.concat([head, cover.data]);
}
