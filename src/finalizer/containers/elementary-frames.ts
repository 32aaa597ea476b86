/** Elementary streams whose frames carry their own length: ADTS (AAC) and MPEG audio (MP3). */
export type FrameStream = 'adts' | 'mp3';

const MP3_BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MP3_BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** Length in bytes of the frame whose header starts at `b[at]`, or undefined when none starts there. */
export function frameLength(stream: FrameStream, b: Buffer, at: number): number | undefined {
  if (at + 6 > b.length || b[at] !== 0xff) return undefined;
  const b1 = b[at + 1]!;
  if (stream === 'adts') {
    if ((b1 & 0xf0) !== 0xf0) return undefined;
    return ((b[at + 3]! & 0x03) << 11) | (b[at + 4]! << 3) | (b[at + 5]! >> 5);
  }
  if ((b1 & 0xe0) !== 0xe0 || ((b1 >> 1) & 0x03) !== 1) return undefined; // layer III only
  const version = (b1 >> 3) & 0x03;
  const b2 = b[at + 2]!;
  const kbps = (version === 3 ? MP3_BITRATES_V1 : MP3_BITRATES_V2)[b2 >> 4];
  const rate = MP3_RATES[version]?.[(b2 >> 2) & 0x03];
  if (!kbps || !rate) return undefined;
  return Math.floor(((version === 3 ? 144 : 72) * kbps * 1000) / rate) + ((b2 >> 1) & 0x01);
}

/**
 * The byte offsets of the first `count` frames of an elementary stream held in `b` (all of them when
 * `count` is omitted), plus the offset just past the last one counted. Throws on bytes that are not
 * a frame.
 */
export function frameOffsets(stream: FrameStream, b: Buffer, count = Infinity): number[] {
  const offsets: number[] = [];
  let at = 0;
  while (at < b.length && offsets.length < count) {
    const length = frameLength(stream, b, at);
    if (!length) throw new Error(`no ${stream} frame at byte ${at}`);
    offsets.push(at);
    at += length;
  }
  offsets.push(at);
  return offsets;
}

/**
 * The bytes of an elementary stream read from `source`, without its first `count` frames: the
 * head is held only until those frames are found (a few KB), the rest passes through as it comes,
 * so a part streamed from a bucket is joined without being downloaded first.
 */
export async function* withoutLeadFrames(stream: FrameStream, source: AsyncIterable<Buffer | Uint8Array>, count: number): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = count === 0 ? undefined : Buffer.alloc(0);
  for await (const chunk of source) {
    const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (head === undefined) {
      yield piece;
      continue;
    }
    head = Buffer.concat([head, piece]);
    const offset = offsetAfter(stream, head, count);
    if (offset === undefined) continue;
    const rest = head.subarray(offset);
    head = undefined;
    if (rest.length > 0) yield rest;
  }
  if (head !== undefined) throw new Error(`the stream holds fewer than ${count} ${stream} frames`);
}

/** Offset just past the first `count` frames when `b` holds them all, else undefined. */
function offsetAfter(stream: FrameStream, b: Buffer, count: number): number | undefined {
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + 6 > b.length) return undefined;
    const length = frameLength(stream, b, at);
    if (!length) throw new Error(`no ${stream} frame at byte ${at}`);
    at += length;
    if (at > b.length) return undefined;
  }
  return at;
}
