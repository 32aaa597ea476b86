/**
 * Ogg Opus parts of real speech (the offline voice), encoded on their own by ffmpeg's libopus and
 * joined into one book by stream copy with writeOggOpus: checked with real ffmpeg and ffprobe (it
 * decodes cleanly, lasts exactly as long as its parts, lines up with its input, reads back its
 * tags, chapters and cover) and re-read with readOggOpus, which checks every page's CRC.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFormatError } from '../../src/errors.js';
import { readOggPages } from '../../src/finalizer/containers/ogg-page.js';
import { readOggOpus, writeOggOpus, type OggOpus, type OggOpusOptions } from '../../src/finalizer/containers/ogg-opus.js';
import { opusPacketSamples } from '../../src/finalizer/containers/opus-packet-samples.js';
import { bestLag, decodePcm, snrDb } from '../helpers/decode-pcm.js';
import { runOk, runTool } from '../helpers/run-tool.js';
import { speechParts } from '../helpers/speech-parts.js';
import { PROSE } from '../helpers/speech.js';
import { collect, each } from '../helpers/byte-streams.js';

/** A part's encode, as the finisher would run it (the Ogg muxer; `-f opus` writes the same stream). */
const ENCODE = ['-f', 's16le', '-ar', '24000', '-ac', '1', '-i', 'pipe:0', '-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg', 'pipe:1'];
/** Measured below: packets a part after the first drops at the join (ceil(pre-skip 312 / 960)). */
const LEAD_PACKETS = 1;

const TAGS = { title: 'The Doors', album: 'The Doors', artist: 'A. Writer', album_artist: 'A. Writer', composer: 'Ann Reed', genre: 'Audiobook', date: '2024', description: 'Two doors.', comment: 'Two doors.', publisher: 'Small Press', language: 'en' };

async function encodeOpus(pcm: Buffer): Promise<Buffer> {
  return (await runOk('ffmpeg', ['-v', 'error', ...ENCODE], pcm)).stdout;
}

/** 16-bit samples of s16le bytes, wherever the Buffer's bytes sit in its ArrayBuffer. */
function samplesOf(bytes: Buffer): Int16Array {
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

describe('Ogg Opus: parts joined by stream copy', () => {
  let dir: string;
  let pcm: Buffer[];
  let parts: OggOpus[];
  let joined: Buffer[];
  let options: OggOpusOptions;
  let cover: Buffer;
  let book: string;
  let bytes: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-ogg-opus-'));
    pcm = await speechParts(dir, [PROSE[0]!, PROSE[3]!], 480);
    parts = [];
    for (const p of pcm) parts.push(readOggOpus(await encodeOpus(p)));
    joined = [...parts[0]!.packets, ...parts[1]!.packets.slice(LEAD_PACKETS)];
    await runOk('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=navy:s=300x300', '-frames:v', '1', join(dir, 'cover.jpg')]);
    cover = await readFile(join(dir, 'cover.jpg'));
    const samples = (pcm[0]!.length + pcm[1]!.length) / 2;
    const firstMs = (pcm[0]!.length / 2 / 24_000) * 1000;
    options = {
      preSkip: parts[0]!.head.preSkip,
      inputSampleRate: 24_000,
      channels: 1,
      tags: TAGS,
      chapters: [{ title: 'The First Door', startMs: 0 }, { title: 'Between Doors', startMs: 2500 }, { title: 'The Second Door', startMs: firstMs }],
      cover: { mime: 'image/jpeg', data: cover },
      totalSamples48k: samples * 2,
      serial: 0x6e617272,
    };
    bytes = await collect(writeOggOpus(options, each(joined)));
    book = join(dir, 'book.opus');
    await writeFile(book, bytes);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ffmpeg 5.1 libopus, 24 kHz mono 32 kb/s: pre-skip 312, 20 ms packets, N/480 + 1 packets, exact end granule', async () => {
    for (const n of [480, 4800, 48_000]) {
      const part = readOggOpus(await encodeOpus(pcm[0]!.subarray(0, 2 * n)));
      expect(part.head).toEqual({ version: 1, channels: 1, preSkip: 312, inputSampleRate: 24_000, outputGain: 0, mappingFamily: 0 });
      expect(part.packets.map(opusPacketSamples)).toEqual(part.packets.map(() => 960));
      expect(part.packets, `${n} samples`).toHaveLength(n / 480 + 1);
      expect(part.lastGranule).toBe(312 + 2 * n);
    }
    const opusMuxer = readOggOpus((await runOk('ffmpeg', ['-v', 'error', ...ENCODE.slice(0, -3), '-f', 'opus', 'pipe:1'], pcm[0]!)).stdout);
    expect(opusMuxer.packets).toEqual(parts[0]!.packets);
  });

  it('decodes without a word from ffmpeg, exactly as long as its parts, in time with its input', async () => {
    const check = await runTool('ffmpeg', ['-v', 'error', '-i', book, '-f', 'null', '-']);
    expect(check.code).toBe(0);
    expect(check.stderr).toBe('');
    const samples = (pcm[0]!.length + pcm[1]!.length) / 2;
    // The last granule trims the final packet's padding: the decoded book is its parts' samples, no more.
    expect((await decodePcm(book, 48_000)).length).toBe(2 * samples);
    const probe = JSON.parse((await runOk('ffprobe', ['-v', 'error', '-show_format', '-of', 'json', book])).stdout.toString()) as { format: { duration: string } };
    expect(Math.abs(Number(probe.format.duration) - samples / 24_000)).toBeLessThanOrEqual(0.02);

    // Each part's speech sits where it was planned: a wrong lead packet count shifts part 2 by 480 samples.
    const input = samplesOf(Buffer.concat(pcm));
    const decoded = await decodePcm(book, 24_000);
    const first = pcm[0]!.length / 2;
    for (const from of [6000, first + 6000, first + 24_000]) {
      expect(bestLag(input, decoded, from, 4800, 600), `lag at sample ${from}`).toBe(0);
      // In time, Opus keeps 6.7 to 26 dB of flite's speech (its hiss-like consonants are rebuilt by spectrum,
      // not waveform); a shift of even 24 samples drops every window under 0 dB.
      expect(snrDb(input, decoded, from, from + 4800), `SNR at sample ${from}`).toBeGreaterThan(3);
    }
    // And the join, inside the pause, stays quiet: no click.
    let peak = 0;
    for (let i = first - 1200; i < first + 1200; i++) peak = Math.max(peak, Math.abs(decoded[i]!));
    expect(peak).toBeLessThan(300);
  });

  it('seeks by its granules: a second read from late in the book lines up with the input there', async () => {
    const at = pcm[0]!.length / 2 + 24_000; // one second into the second part
    const seeked = await runOk('ffmpeg', ['-v', 'error', '-ss', (at / 24_000).toFixed(6), '-i', book, '-t', '1', '-ar', '24000', '-f', 's16le', 'pipe:1']);
    const got = samplesOf(seeked.stdout);
    const want = samplesOf(Buffer.concat(pcm).subarray(2 * at, 2 * (at + 24_000)));
    expect(got.length).toBe(24_000);
    expect(bestLag(want, got, 2400, 19_200, 600)).toBe(0);
    expect(snrDb(want, got, 2400, 21_600)).toBeGreaterThan(10);
  });

  it('reads back its tags, three chapters and the cover with ffprobe', async () => {
    const probe = JSON.parse((await runOk('ffprobe', ['-v', 'error', '-show_streams', '-show_chapters', '-show_format', '-of', 'json', book])).stdout.toString()) as {
      streams: { codec_type: string; codec_name: string; width?: number; height?: number; disposition: Record<string, number>; tags?: Record<string, string> }[];
      chapters: { start_time: string; tags: { title: string } }[];
      format: { tags?: Record<string, string> };
    };
    const audio = probe.streams.find((s) => s.codec_type === 'audio')!;
    const tags = Object.fromEntries(Object.entries({ ...probe.format.tags, ...audio.tags }).map(([k, v]) => [k.toLowerCase(), v]));
    // ffmpeg reads DESCRIPTION back as `comment`; everything else under its own key.
    expect(tags).toMatchObject({ title: 'The Doors', album: 'The Doors', artist: 'A. Writer', album_artist: 'A. Writer', composer: 'Ann Reed', genre: 'Audiobook', date: '2024', comment: 'Two doors.', publisher: 'Small Press', language: 'en' });
    expect(probe.chapters.map((c) => c.tags.title)).toEqual(options.chapters.map((c) => c.title));
    probe.chapters.forEach((c, i) => expect(Math.abs(Number(c.start_time) * 1000 - options.chapters[i]!.startMs)).toBeLessThanOrEqual(1));
    const picture = probe.streams.find((s) => s.codec_type === 'video');
    expect(picture).toMatchObject({ codec_name: 'mjpeg', width: 300, height: 300, disposition: { attached_pic: 1 } });
  });

  it('re-reads as valid Ogg Opus: every CRC, its packets unchanged, BOS and EOS, pages of a second, the end trim', () => {
    const back = readOggOpus(bytes);
    expect(back.head).toEqual({ version: 1, channels: 1, preSkip: 312, inputSampleRate: 24_000, outputGain: 0, mappingFamily: 0 });
    expect(back.tags.vendor).toBe('narrate');
    expect(back.tags.comments).toContain('CHAPTER002NAME=The Second Door');
    expect(back.packets).toEqual(joined);
    expect(back.serial).toBe(0x6e617272);
    expect(back.lastGranule).toBe(312 + options.totalSamples48k);
    const pages = [...readOggPages(bytes)];
    expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i));
    expect(pages.map((p) => p.flags & 0x06)).toEqual(pages.map((_, i) => (i === 0 ? 0x02 : i === pages.length - 1 ? 0x04 : 0)));
    expect(pages[0]!.granule).toBe(0n);
    expect(pages[1]!.granule).toBe(0n);
    // Audio pages of 50 packets (a second), each granule the packets' running total, until the last.
    const audio = pages.slice(2);
    expect(audio.length).toBe(Math.ceil(joined.length / 50));
    audio.slice(0, -1).forEach((p, i) => {
      expect(p.lacing.length).toBe(50);
      expect(p.granule).toBe(BigInt((i + 1) * 48_000));
    });
  });

  it('carries a cover larger than an Ogg page, over many OpusTags pages, which ffmpeg extracts byte for byte', async () => {
    const big = join(dir, 'big.png');
    await runOk('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=1000x1000,format=rgb24,geq=r=random(1)*255:g=random(2)*255:b=random(3)*255', '-frames:v', '1', big]);
    const png = await readFile(big);
    expect(png.length).toBeGreaterThan(1_000_000);
    const file = join(dir, 'big-cover.opus');
    const out = await collect(writeOggOpus({ ...options, cover: { mime: 'image/png', data: png } }, each(joined)));
    await writeFile(file, out);
    const headerPages = [...readOggPages(out)].filter((p) => p.granule <= 0n);
    expect(headerPages.length).toBeGreaterThan(20);
    const back = readOggOpus(out);
    expect(back.packets).toEqual(joined);
    // METADATA_BLOCK_PICTURE: a FLAC PICTURE block in base64, front cover (3), size read from the PNG.
    const block = Buffer.from(back.tags.comments.find((c) => c.startsWith('METADATA_BLOCK_PICTURE='))!.slice(23), 'base64');
    expect(block.readUInt32BE(0)).toBe(3);
    expect(block.toString('latin1', 8, 17)).toBe('image/png');
    expect([block.readUInt32BE(21), block.readUInt32BE(25), block.readUInt32BE(29)]).toEqual([1000, 1000, 24]);
    expect((await runTool('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:a', '-f', 'null', '-'])).stderr).toBe('');
    const probe = JSON.parse((await runOk('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file])).stdout.toString()) as { streams: { codec_name: string; width?: number; disposition: Record<string, number> }[] };
    expect(probe.streams[1]).toMatchObject({ codec_name: 'png', width: 1000, disposition: { attached_pic: 1 } });
    const extracted = await runOk('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v', '-c', 'copy', '-f', 'image2pipe', 'pipe:1']);
    expect(extracted.stdout.equals(png)).toBe(true);
  });

  it('streams: its first audio page goes out before the 52nd packet is read', async () => {
    let read = 0;
    async function* counted() {
      for (const packet of joined) {
        read += 1;
        yield packet;
      }
    }
    let pages = 0;
    for await (const chunk of writeOggOpus(options, counted())) {
      pages += [...readOggPages(chunk)].length;
      if (pages === 3) break; // OpusHead, OpusTags, the first second of audio
    }
    expect(read).toBeLessThanOrEqual(51);
  });

  it('refuses what is not Ogg Opus, or a damaged page, saying where', async () => {
    const audioPage = [...readOggPages(bytes)][4]!;
    const damaged = Buffer.from(bytes);
    damaged[audioPage.offset + 200]! ^= 0x40;
    expect(() => readOggOpus(damaged)).toThrow(AudioFormatError);
    expect(() => readOggOpus(damaged)).toThrow(new RegExp(`Ogg page 4 at byte ${audioPage.offset} is corrupt: its CRC is 0x[0-9a-f]+, its bytes give 0x[0-9a-f]+`));
    const lost = Buffer.from(bytes);
    lost.write('OggT', audioPage.offset, 'latin1');
    expect(() => readOggOpus(lost)).toThrow(`not an Ogg page at byte ${audioPage.offset}: expected the capture pattern "OggS", found 0x4f676754`);
    expect(() => readOggOpus(bytes.subarray(0, bytes.length - 10))).toThrow(/truncated Ogg page/);
    expect(() => readOggOpus(Buffer.from('fLaC\0\0\0\x22'))).toThrow(/not an Ogg page at byte 0/);
    const vorbis = await runOk('ffmpeg', ['-v', 'error', '-f', 's16le', '-ar', '24000', '-ac', '1', '-i', 'pipe:0', '-c:a', 'libvorbis', '-f', 'ogg', 'pipe:1'], pcm[0]!.subarray(0, 48_000));
    expect(() => readOggOpus(vorbis.stdout)).toThrow(/not Ogg Opus: its first packet is not an OpusHead/);
  });

  it('refuses totals its packets cannot hold', async () => {
    await expect(collect(writeOggOpus({ ...options, totalSamples48k: options.totalSamples48k + 960 }, each(joined)))).rejects.toThrow(/cannot promise audio that is not there/);
    await expect(collect(writeOggOpus(options, each([])))).rejects.toThrow(/no audio packets/);
  });
});
