import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone } from '../../../src/audio/tone.js';
import { BOOK_FORMAT } from '../../../src/audio/wav-format.js';
import { wavHeader } from '../../../src/audio/write-wav.js';
import { AudioFormatError } from '../../../src/errors.js';
import { AudioDataExtractor, readSpooledAudio } from '../../../src/providers/audio-spool-fetch.js';
import { AudioSpool } from '../../../src/store/audio-spool.js';
import { SPOOL_MEMORY_BYTES } from '../../../src/store/wav-spool-writer.js';

function completion(data: string) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        finish_reason: 'stop',
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          annotations: [],
          audio: { id: 'audio_1', data, expires_at: 1, transcript: 'Café “quoted” \\ back, {braces} [brackets], "data": "x"' },
        },
      },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, completion_tokens_details: { audio_tokens: 4 } },
  };
}

/** A WAV as the service streams it: RIFF and data sizes 0xFFFFFFFF, optional extra chunk, optional odd trailing byte. */
function streamedWav(pcm: Buffer, options: { list?: boolean; oddByte?: boolean } = {}): Buffer {
  const header = wavHeader(BOOK_FORMAT, 0);
  header.writeUInt32LE(0xffffffff, 4);
  header.writeUInt32LE(0xffffffff, 40);
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([4, 0, 0, 0]), Buffer.from('INFO')]);
  const parts = options.list ? [header.subarray(0, 36), list, header.subarray(36)] : [header];
  return Buffer.concat([...parts, pcm, options.oddByte ? Buffer.from([0x7f]) : Buffer.alloc(0)]);
}

/** The file is exactly a canonical WAV of `pcm` (compared as bytes: toEqual on megabytes takes seconds). */
async function expectCanonical(path: string, pcm: Buffer): Promise<void> {
  const file = await readFile(path);
  expect(file.length).toBe(44 + pcm.length);
  expect(file.subarray(0, 44).equals(wavHeader(BOOK_FORMAT, pcm.length))).toBe(true);
  expect(file.subarray(44).equals(pcm)).toBe(true);
}

async function extract(spool: AudioSpool, json: string, pieceSize: number): Promise<string> {
  const extractor = new AudioDataExtractor(spool);
  const bytes = Buffer.from(json, 'utf8');
  for (let at = 0; at < bytes.length; at += pieceSize) await extractor.push(bytes.subarray(at, at + pieceSize));
  return extractor.end();
}

describe('AudioDataExtractor', () => {
  let dir: string;
  let spool: AudioSpool;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-spool-'));
    spool = new AudioSpool(dir);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it.each([1, 3, 7, 64, 65_536])('spools audio.data as a canonical WAV and keeps the rest of the JSON (pieces of %i bytes)', async (size) => {
    const pcm = tone(BOOK_FORMAT, 300, 440);
    const source = completion(streamedWav(pcm).toString('base64'));
    const out = JSON.parse(await extract(spool, JSON.stringify(source), size)) as ReturnType<typeof completion>;
    const wav = readSpooledAudio(out.choices[0]!.message.audio.data);
    expect(wav).toMatchObject({ format: BOOK_FORMAT, dataOffset: 44, dataBytes: pcm.length, durationMs: 300 });
    // The streaming sizes are replaced by the true ones: the file is what the store keeps.
    await expectCanonical(wav.path, pcm);
    out.choices[0]!.message.audio.data = source.choices[0]!.message.audio.data;
    expect(out).toEqual(source);
    await spool.discard(wav.path);
  });

  it.each([
    ['in memory', 2_000],
    ['spilled to disk', 60_000],
  ])('drops a LIST chunk and a half sample, %s', async (_, ms) => {
    const pcm = tone(BOOK_FORMAT, ms, 440);
    const json = JSON.stringify(completion(streamedWav(pcm, { list: true, oddByte: true }).toString('base64')));
    const wav = readSpooledAudio((JSON.parse(await extract(spool, json, 65_536)) as ReturnType<typeof completion>).choices[0]!.message.audio.data);
    expect(wav.dataBytes).toBe(pcm.length);
    await expectCanonical(wav.path, pcm);
    await spool.discard(wav.path);
  });

  it('patches a spilled streaming header in place and trims the half sample', async () => {
    const pcm = tone(BOOK_FORMAT, 60_000, 440); // 2.88 MB: past the in-memory limit
    expect(pcm.length).toBeGreaterThan(SPOOL_MEMORY_BYTES);
    const json = JSON.stringify(completion(streamedWav(pcm, { oddByte: true }).toString('base64')));
    const wav = readSpooledAudio((JSON.parse(await extract(spool, json, 65_536)) as ReturnType<typeof completion>).choices[0]!.message.audio.data);
    expect(wav).toMatchObject({ dataOffset: 44, dataBytes: pcm.length, durationMs: 60_000 });
    await expectCanonical(wav.path, pcm);
    await spool.discard(wav.path);
  });

  it('understands "\\/" escapes inside the base64', async () => {
    const pcm = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
    const escaped = JSON.stringify(completion(streamedWav(pcm).toString('base64'))).replace(/\//g, '\\/');
    expect(escaped).toContain('\\/');
    const out = JSON.parse(await extract(spool, escaped, 5)) as ReturnType<typeof completion>;
    const wav = readSpooledAudio(out.choices[0]!.message.audio.data);
    await expectCanonical(wav.path, pcm);
    await spool.discard(wav.path);
  });

  it.each([
    ['not WAV', Buffer.from('{"detail":"audio unavailable"}'), /not WAV: starts with/],
    ['a WAV without samples', streamedWav(Buffer.alloc(0)), /empty audio/],
  ])('turns %s into a reason, and leaves no file', async (_, body, reason) => {
    const before = await readdir(dir);
    const out = JSON.parse(await extract(spool, JSON.stringify(completion(body.toString('base64'))), 16)) as ReturnType<typeof completion>;
    const data = out.choices[0]!.message.audio.data;
    expect(() => readSpooledAudio(data)).toThrow(AudioFormatError);
    expect(() => readSpooledAudio(data)).toThrow(reason);
    expect(await readdir(dir)).toEqual(before);
  });

  it('deletes the audio of a body cut off inside the audio string', async () => {
    const json = JSON.stringify(completion(streamedWav(tone(BOOK_FORMAT, 2_000, 440)).toString('base64')));
    const before = await readdir(dir);
    const text = await extract(spool, json.slice(0, json.length / 2), 1024);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(await readdir(dir)).toEqual(before);
  });

  it('leaves JSON without audio.data untouched and writes no file', async () => {
    const before = await readdir(dir);
    const body = JSON.stringify({ object: 'list', data: 'not audio', error: { message: 'nope', data: 'x' } });
    expect(await extract(spool, body, 4)).toBe(body);
    expect(await readdir(dir)).toEqual(before);
  });
});
