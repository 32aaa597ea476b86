/**
 * A reader of MP4 boxes, enough to look inside a finished m4b without ffprobe: ffprobe merges the
 * Nero chpl list and the QuickTime chapter track into one list, so it cannot say which one holds what.
 */

/** One box: its type, where its payload lies in the file, and its children (for container boxes). */
export interface Mp4Box {
  type: string;
  start: number;
  end: number;
  children: Mp4Box[];
}

/** Boxes that hold only other boxes (the ones on the way to chpl and a track's sample tables). */
const CONTAINERS = new Set(['moov', 'udta', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'tref']);

/** The boxes of `bytes[start, end)`, containers opened. */
export function parseBoxes(bytes: Buffer, start = 0, end = bytes.length): Mp4Box[] {
  const boxes: Mp4Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      size = Number(bytes.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) throw new Error(`box ${type} at ${at} claims ${size} bytes, past the end (${end})`);
    const payload = { start: at + header, end: at + size };
    boxes.push({ type, ...payload, children: CONTAINERS.has(type) ? parseBoxes(bytes, payload.start, payload.end) : [] });
    at += size;
  }
  return boxes;
}

/** Every box reached by `path` (e.g. ['moov', 'udta', 'chpl']), in file order. */
export function findBoxes(boxes: Mp4Box[], path: string[]): Mp4Box[] {
  const [head, ...rest] = path;
  const here = boxes.filter((b) => b.type === head);
  return rest.length === 0 ? here : here.flatMap((b) => findBoxes(b.children, rest));
}

/** The entries of a Nero chpl box (version 1: 4 bytes of flags, 4 reserved, then a 1-byte count). */
export function chplEntries(bytes: Buffer, chpl: Mp4Box): { startMs: number; title: string }[] {
  const version = bytes[chpl.start]!;
  let at = chpl.start + 4 + (version === 1 ? 4 : 0);
  const count = bytes[at]!;
  at += 1;
  const entries: { startMs: number; title: string }[] = [];
  for (let i = 0; i < count; i++) {
    // Start in 100 ns units, then a Pascal string.
    const start = Number(bytes.readBigUInt64BE(at));
    const length = bytes[at + 8]!;
    entries.push({ startMs: start / 10_000, title: bytes.toString('utf8', at + 9, at + 9 + length) });
    at += 9 + length;
  }
  return entries;
}

/** The handler type of a track (hdlr: 4 bytes version/flags, 4 pre-defined, then the type). */
export function handlerOf(bytes: Buffer, trak: Mp4Box): string | undefined {
  const hdlr = findBoxes(trak.children, ['mdia', 'hdlr'])[0];
  return hdlr ? bytes.toString('latin1', hdlr.start + 8, hdlr.start + 12) : undefined;
}

/** The samples of a track, each as its bytes, from stsz, stsc and stco/co64. */
export function trackSamples(bytes: Buffer, trak: Mp4Box): Buffer[] {
  const stbl = findBoxes(trak.children, ['mdia', 'minf', 'stbl'])[0];
  if (!stbl) throw new Error('a track without stbl');
  const box = (type: string) => stbl.children.find((b) => b.type === type);
  const stsz = box('stsz')!;
  const fixed = bytes.readUInt32BE(stsz.start + 4);
  const count = bytes.readUInt32BE(stsz.start + 8);
  const sizes = Array.from({ length: count }, (_, i) => (fixed !== 0 ? fixed : bytes.readUInt32BE(stsz.start + 12 + 4 * i)));
  const stco = box('stco') ?? box('co64')!;
  const wide = stco.type === 'co64';
  const chunkCount = bytes.readUInt32BE(stco.start + 4);
  const offsets = Array.from({ length: chunkCount }, (_, i) => (wide ? Number(bytes.readBigUInt64BE(stco.start + 8 + 8 * i)) : bytes.readUInt32BE(stco.start + 8 + 4 * i)));
  const stsc = box('stsc')!;
  const runs = Array.from({ length: bytes.readUInt32BE(stsc.start + 4) }, (_, i) => ({
    firstChunk: bytes.readUInt32BE(stsc.start + 8 + 12 * i),
    perChunk: bytes.readUInt32BE(stsc.start + 12 + 12 * i),
  }));
  const samples: Buffer[] = [];
  let s = 0;
  for (let c = 0; c < chunkCount && s < count; c++) {
    const run = [...runs].reverse().find((r) => r.firstChunk <= c + 1)!;
    let at = offsets[c]!;
    for (let k = 0; k < run.perChunk && s < count; k++, s++) {
      samples.push(bytes.subarray(at, at + sizes[s]!));
      at += sizes[s]!;
    }
  }
  return samples;
}

/** The titles held by the QuickTime chapter track: the text track(s), each sample a 16-bit length and UTF-8. */
export function chapterTrackTitles(bytes: Buffer): string[][] {
  const traks = findBoxes(parseBoxes(bytes), ['moov', 'trak']);
  return traks.filter((t) => handlerOf(bytes, t) === 'text').map((t) => trackSamples(bytes, t).map((s) => s.toString('utf8', 2, 2 + s.readUInt16BE(0))));
}
