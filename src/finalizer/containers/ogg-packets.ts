import { AudioFormatError } from '../../errors.js';
import { encodeOggPage, OGG_BOS, OGG_CONTINUED, OGG_EOS, readOggPages, type OggPage } from './ogg-page.js';

/** A packet read from an Ogg stream, with the page it ends on. */
export interface OggPacket {
  data: Buffer;
  /** The page on which the packet ends (its granule belongs to the page's last completed packet). */
  page: OggPage;
}

/**
 * The packets of a single-stream Ogg file, rejoined across pages (RFC 3533: a lacing value of 255
 * means the packet goes on, on this page or on the next one flagged as continued). Throws
 * AudioFormatError on a missing page, a second logical stream, or a packet cut short.
 */
export function* readOggPackets(bytes: Buffer): Generator<OggPacket> {
  let pieces: Buffer[] = [];
  let serial: number | undefined;
  let sequence = -1;
  for (const page of readOggPages(bytes)) {
    if (serial === undefined) serial = page.serial;
    else if (page.serial !== serial) {
      throw new AudioFormatError(`a second logical stream (serial ${page.serial}) at byte ${page.offset}: only single-stream Ogg files are read`);
    }
    if (sequence >= 0 && page.sequence !== sequence + 1) {
      throw new AudioFormatError(`Ogg page sequence jumps from ${sequence} to ${page.sequence} at byte ${page.offset}: a page is missing`);
    }
    sequence = page.sequence;
    const continued = (page.flags & OGG_CONTINUED) !== 0;
    if (continued && pieces.length === 0) throw new AudioFormatError(`Ogg page ${page.sequence} at byte ${page.offset} continues a packet no earlier page began`);
    if (!continued && pieces.length > 0) throw new AudioFormatError(`Ogg page ${page.sequence} at byte ${page.offset} does not continue the packet the page before it left unfinished`);
    let start = 0;
    let at = 0;
    for (let i = 0; i < page.lacing.length; i++) {
      at += page.lacing[i]!;
      if (page.lacing[i] === 255) continue;
      const piece = page.body.subarray(start, at);
      const data = pieces.length === 0 ? piece : Buffer.concat([...pieces, piece]);
      pieces = [];
      start = at;
      yield { data, page };
    }
    // A page ending on a lacing value of 255 leaves its last packet to the next page.
    if (start < page.body.length) pieces.push(page.body.subarray(start));
  }
  if (pieces.length > 0) throw new AudioFormatError('the last Ogg packet is unfinished: the data ends inside it (truncated file?)');
}

/**
 * Lays packets out in consecutive pages of at most 255 lacing values (RFC 3533), a packet too long
 * for what is left of a page carried on into the next, flagged as continued. Each page's granule is
 * that of the last packet completed on it, or -1 when none is. Returns the pages' bytes.
 */
export function oggPacketPages(
  packets: readonly { data: Buffer; granule: bigint }[],
  stream: { serial: number; sequence: number; bos: boolean; eos: boolean },
): Buffer[] {
  const pages: Buffer[] = [];
  let lacing: number[] = [];
  let body: Buffer[] = [];
  let granule = -1n;
  let continued = false;
  const flush = (last: boolean) => {
    let flags = continued ? OGG_CONTINUED : 0;
    if (stream.bos && pages.length === 0) flags |= OGG_BOS;
    if (stream.eos && last) flags |= OGG_EOS;
    pages.push(encodeOggPage({ flags, granule, serial: stream.serial, sequence: stream.sequence + pages.length, lacing: Uint8Array.from(lacing), body: Buffer.concat(body) }));
    lacing = [];
    body = [];
    granule = -1n;
  };
  for (const packet of packets) {
    // A packet of n bytes is floor(n/255) values of 255 and one of n % 255 (0 when n is a multiple).
    const values = Math.floor(packet.data.length / 255) + 1;
    let sent = 0;
    for (let v = 0; v < values; v++) {
      if (lacing.length === 255) {
        flush(false);
        // The new page carries on the packet when part of it went on the page just flushed.
        continued = v > 0;
      }
      const size = v < values - 1 ? 255 : packet.data.length - 255 * (values - 1);
      lacing.push(size);
      body.push(packet.data.subarray(sent, sent + size));
      sent += size;
    }
    granule = packet.granule;
  }
  if (lacing.length > 0 || pages.length === 0) flush(true);
  return pages;
}
