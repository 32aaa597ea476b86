/**
 * FLAC parts of real speech (the offline voice), encoded on their own by ffmpeg and joined into one
 * book with writeFlac, their frames renumbered: checked with real ffmpeg and ffprobe (it decodes to
 * exactly its input, seeks to the right samples, reads back its tags, chapters and cover) and
 * re-read with readFlacFrames, which checks every frame's CRCs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFormatError } from '../../src/errors.js';
import { readFlacFrameHeader } from '../../src/finalizer/containers/flac-frame-header.js';
import { readFlacFrames, writeFlac, type FlacOptions } from '../../src/finalizer/containers/flac-stream.js';
import { runOk, runTool } from '../helpers/run-tool.js';
import { speechParts } from '../helpers/speech-parts.js';
import { PROSE } from '../helpers/speech.js';
import { collect, each } from '../helpers/byte-streams.js';

const BLOCK = 4608;
const TAGS = { title: 'The Doors', album: 'The Doors', artist: 'A. Writer', album_artist: 'A. Writer', composer: 'Ann Reed', genre: 'Audiobook', date: '2024', publisher: 'Small Press', language: 'en' };
/** The reference decoder, used when the machine has it (these tests do not install it). */
const HAS_FLAC = spawnSync('flac', ['--version']).status === 0;

let encodes = 0;

/** A part's encode, as the finisher would run it, into a file: through a pipe ffmpeg cannot go back to fill in STREAMINFO's total (it stays 0). */
async function encodeFlac(dir: string, pcm: Buffer): Promise<Buffer> {
  const file = join(dir, `part-${encodes++}.flac`);
  await runOk('ffmpeg', ['-v', 'error', '-f', 's16le', '-ar', '24000', '-ac', '1', '-i', 'pipe:0', '-c:a', 'flac', '-frame_size', String(BLOCK), '-f', 'flac', file], pcm);
  return readFile(file);
}

/** One second of decoded samples from `seconds` in, ffmpeg seeking on its own (no seek table). */
async function seekRead(file: string, seconds: number): Promise<Buffer> {
  return (await runTool('ffmpeg', ['-v', 'quiet', '-ss', seconds.toFixed(3), '-i', file, '-t', '1', '-f', 's16le', 'pipe:1'])).stdout;
}

describe('FLAC: parts joined by stream copy, frames renumbered', () => {
  let dir: string;
  let pcm: Buffer[];
  let frames: Buffer[][];
  let options: FlacOptions;
  let book: string;
  let bytes: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-flac-'));
    pcm = await speechParts(dir, [PROSE[1]!, PROSE[2]!], BLOCK);
    frames = [];
    for (const p of pcm) frames.push(readFlacFrames(await encodeFlac(dir, p)).frames);
    await runOk('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=navy:s=300x300', '-frames:v', '1', join(dir, 'cover.jpg')]);
    const first = pcm[0]!.length / 2;
    options = {
      sampleRate: 24_000,
      channels: 1,
      bitsPerSample: 16,
      blockSize: BLOCK,
      totalSamples: (pcm[0]!.length + pcm[1]!.length) / 2,
      tags: TAGS,
      chapters: [{ title: 'The First Door', startMs: 0 }, { title: 'Between Doors', startMs: 3000 }, { title: 'The Second Door', startMs: (first / 24_000) * 1000 }],
      cover: { mime: 'image/jpeg', data: await readFile(join(dir, 'cover.jpg')) },
    };
    bytes = await collect(writeFlac(options, each(frames.flat())));
    book = join(dir, 'book.flac');
    await writeFile(book, bytes);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ffmpeg 5.1 flac, -frame_size 4608: no delay, N/4608 frames of 4608, only a last one shorter', async () => {
    for (const n of [BLOCK, 2 * BLOCK, 10 * BLOCK, 10_000]) {
      const input = pcm[0]!.subarray(0, 2 * n);
      const part = readFlacFrames(await encodeFlac(dir, input));
      const sizes = part.frames.map((f) => readFlacFrameHeader(f, 0)!.blockSize);
      expect(sizes, `${n} samples`).toEqual(n === 10_000 ? [BLOCK, BLOCK, 784] : Array.from({ length: n / BLOCK }, () => BLOCK));
      expect(part.frames.map((f) => readFlacFrameHeader(f, 0)!.number)).toEqual(sizes.map((_, i) => i));
      expect(part.streamInfo).toMatchObject({ minBlockSize: BLOCK, maxBlockSize: BLOCK, sampleRate: 24_000, channels: 1, bitsPerSample: 16, totalSamples: n });
      const decoded = await runOk('ffmpeg', ['-v', 'error', '-f', 'flac', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], await encodeFlac(dir, input));
      expect(decoded.stdout.equals(input), 'decodes to its input from the first sample').toBe(true);
    }
  });

  it('decodes without a word from ffmpeg (CRCs checked), to exactly the parts\' samples', async () => {
    for (const extra of [[], ['-err_detect', 'crccheck']]) {
      const check = await runTool('ffmpeg', ['-v', 'error', ...extra, '-i', book, '-f', 'null', '-']);
      expect(check.code).toBe(0);
      expect(check.stderr).toBe('');
    }
    const decoded = await runOk('ffmpeg', ['-v', 'error', '-i', book, '-f', 's16le', 'pipe:1']);
    expect(decoded.stdout.length).toBe(2 * options.totalSamples);
    expect(decoded.stdout.equals(Buffer.concat(pcm))).toBe(true);
  });

  it.skipIf(!HAS_FLAC)('passes flac -t', async () => {
    const tested = await runTool('flac', ['-t', '-s', book]);
    expect(tested.code, tested.stderr).toBe(0);
    // Its one remark: the MD5 is 0, "not computed", which RFC 9639 allows (parts are joined, never decoded whole).
    expect(tested.stderr.trim()).toBe(`${basename(book)}: WARNING, cannot check MD5 signature since it was unset in the STREAMINFO`);
  });

  it('seeks to the right samples: ffmpeg finds a late frame by its number', async () => {
    const at = pcm[0]!.length / 2 + 2 * 24_000; // two seconds into the second part
    const expected = Buffer.concat(pcm).subarray(2 * at, 2 * (at + 24_000));
    expect((await seekRead(book, at / 24_000)).equals(expected)).toBe(true);
  });

  it('would not seek right without renumbering: the same frames with their parts\' numbers', async () => {
    const stale = join(dir, 'stale.flac');
    const metadata = bytes.subarray(0, bytes.length - frames.flat().reduce((n, f) => n + f.length, 0));
    await writeFile(stale, Buffer.concat([metadata, ...frames.flat()]));
    const at = pcm[0]!.length / 2 + 2 * 24_000;
    const expected = Buffer.concat(pcm).subarray(2 * at, 2 * (at + 24_000));
    expect((await seekRead(stale, at / 24_000)).equals(expected)).toBe(false);
  });

  it('reads back its duration, tags, three chapters and the cover with ffprobe', async () => {
    const probe = JSON.parse((await runOk('ffprobe', ['-v', 'error', '-show_streams', '-show_chapters', '-show_format', '-of', 'json', book])).stdout.toString()) as {
      streams: { codec_type: string; codec_name: string; width?: number; height?: number; disposition: Record<string, number> }[];
      chapters: { start_time: string; tags: { title: string } }[];
      format: { duration: string; tags?: Record<string, string> };
    };
    expect(Math.abs(Number(probe.format.duration) - options.totalSamples / 24_000)).toBeLessThan(0.001);
    const tags = Object.fromEntries(Object.entries(probe.format.tags ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    expect(tags).toMatchObject(TAGS);
    // ffmpeg's flac demuxer reads CHAPTERnnn comments as chapters, as its ogg demuxer does.
    expect(probe.chapters.map((c) => c.tags.title)).toEqual(options.chapters.map((c) => c.title));
    probe.chapters.forEach((c, i) => expect(Math.abs(Number(c.start_time) * 1000 - options.chapters[i]!.startMs)).toBeLessThanOrEqual(1));
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'mjpeg', width: 300, height: 300, disposition: { attached_pic: 1 } });
  });

  it('re-reads as valid FLAC: STREAMINFO, metadata in order, every frame numbered in turn and its CRCs good', () => {
    const back = readFlacFrames(bytes);
    expect(back.streamInfo).toEqual({ minBlockSize: BLOCK, maxBlockSize: BLOCK, minFrameSize: 0, maxFrameSize: 0, sampleRate: 24_000, channels: 1, bitsPerSample: 16, totalSamples: options.totalSamples });
    expect(back.frames.map((f) => readFlacFrameHeader(f, 0)!.number)).toEqual(frames.flat().map((_, i) => i));
    // fLaC, then STREAMINFO (0), VORBIS_COMMENT (4), PICTURE (6), PADDING (1, flagged last).
    const types: number[] = [];
    for (let at = 4, last = false; !last; at += 4 + bytes.readUIntBE(at + 1, 3)) {
      last = (bytes[at]! & 0x80) !== 0;
      types.push(bytes[at]! & 0x7f);
    }
    expect(types).toEqual([0, 4, 6, 1]);
    // The PICTURE block: type 3 (front cover), its MIME type, and the size read from the JPEG itself.
    const picture = bytes.subarray(bytes.indexOf('image/jpeg') - 8);
    expect(picture.readUInt32BE(0)).toBe(3);
    const fields = picture.subarray(8 + 'image/jpeg'.length + 4);
    expect([fields.readUInt32BE(0), fields.readUInt32BE(4), fields.readUInt32BE(8), fields.readUInt32BE(16)]).toEqual([300, 300, 24, options.cover!.data.length]);
    expect(bytes.toString('latin1')).toContain('CHAPTER002NAME=The Second Door');
  });

  it('streams: each frame goes out before the next one is read', async () => {
    let read = 0;
    async function* counted() {
      for (const frame of frames.flat()) {
        read += 1;
        yield frame;
      }
    }
    let out = 0;
    for await (const chunk of writeFlac(options, counted())) {
      if (chunk.subarray(0, 4).toString('latin1') === 'fLaC') continue;
      out += 1;
      expect(read).toBe(out);
      if (out === 3) break;
    }
  });

  it('refuses what is not FLAC, or a damaged frame, saying where', () => {
    expect(() => readFlacFrames(Buffer.from('OggS\0\x02'))).toThrow(AudioFormatError);
    expect(() => readFlacFrames(Buffer.from('OggS\0\x02'))).toThrow('not FLAC: it starts with 0x4f676753, not "fLaC"');
    const framesAt = bytes.length - frames.flat().reduce((n, f) => n + f.length, 0);
    const third = framesAt + frames[0]![0]!.length + frames[0]![1]!.length;
    const damaged = Buffer.from(bytes);
    damaged[third + 1000]! ^= 0x04;
    expect(() => readFlacFrames(damaged)).toThrow(`FLAC frame 2 at byte ${third} is corrupt or cut short: no CRC-16 checks between it and the end of the data`);
    expect(() => readFlacFrames(bytes.subarray(0, bytes.length - 1))).toThrow(/is corrupt or cut short/);
  });

  it('refuses a short frame before the last, and a total its frames do not hold', async () => {
    const short = readFlacFrames(await encodeFlac(dir, pcm[0]!.subarray(0, 20_000))).frames;
    await expect(collect(writeFlac({ ...options, totalSamples: 10_000 + BLOCK }, each([...short, frames[1]![0]!])))).rejects.toThrow(/frame 2 holds fewer than 4608 samples but is not the last/);
    await expect(collect(writeFlac({ ...options, totalSamples: options.totalSamples + 1 }, each(frames.flat())))).rejects.toThrow(/the frames hold \d+ samples, STREAMINFO says/);
  });
});
