import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioDataExtractor, SPOOL_PREFIX } from '../../src/providers/audio-spool-fetch.js';

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

async function extract(path: string, json: string, pieceSize: number): Promise<string> {
  const extractor = new AudioDataExtractor(path);
  const bytes = Buffer.from(json, 'utf8');
  for (let at = 0; at < bytes.length; at += pieceSize) await extractor.push(bytes.subarray(at, at + pieceSize));
  return extractor.end();
}

describe('AudioDataExtractor', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-spool-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it.each([1, 3, 7, 64, 65_536])('spools audio.data to a file and keeps the rest of the JSON (pieces of %i bytes)', async (size) => {
    const audio = randomBytes(10_001);
    const path = join(dir, `a-${size}.wav`);
    const source = completion(audio.toString('base64'));
    const out = JSON.parse(await extract(path, JSON.stringify(source), size)) as ReturnType<typeof completion>;
    expect(await readFile(path)).toEqual(audio);
    expect(out.choices[0]!.message.audio.data).toBe(SPOOL_PREFIX + path);
    out.choices[0]!.message.audio.data = source.choices[0]!.message.audio.data;
    expect(out).toEqual(source);
  });

  it('understands "\\/" escapes inside the base64', async () => {
    const audio = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
    const escaped = JSON.stringify(completion(audio.toString('base64'))).replace(/\//g, '\\/');
    const path = join(dir, 'escaped.wav');
    await extract(path, escaped, 5);
    expect(await readFile(path)).toEqual(audio);
  });

  it('leaves JSON without audio.data untouched and writes no file', async () => {
    const path = join(dir, 'none.wav');
    const body = JSON.stringify({ object: 'list', data: 'not audio', error: { message: 'nope', data: 'x' } });
    expect(await extract(path, body, 4)).toBe(body);
    expect(existsSync(path)).toBe(false);
  });
});
