import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readWavInfo } from '../../../src/audio/parse-wav.js';
import { tone } from '../../../src/audio/tone.js';
import { BOOK_FORMAT } from '../../../src/audio/wav-format.js';
import { writeWav } from '../../../src/audio/write-wav.js';
import type { NarrationRequest, NarrationResult, Narrator } from '../../../src/providers/narrator.js';
import { AudioSpool } from '../../../src/store/audio-spool.js';
import { ChunkRejectedError, narrateChunk, splitInTwo } from '../../../src/worker/narrate-chunk.js';

type Reply = 'read' | 'answer' | 'cut' | 'refuse';

/** A narrator that plays a script of replies, in the Narrator interface's own terms (no HTTP here). */
let spool: AudioSpool;

function scripted(replies: Reply[]): Narrator & { requests: NarrationRequest[] } {
  const requests: NarrationRequest[] = [];
  return {
    name: 'scripted',
    model: 'script',
    requests,
    async narrate(request: NarrationRequest): Promise<NarrationResult> {
      requests.push(request);
      const reply = replies.shift() ?? 'read';
      const seconds = (text: string) => (text.length / 15) * 1000;
      const usage = { promptTokens: 1, completionTokens: 2, totalTokens: 3 };
      if (reply === 'refuse') return { transcript: '', finishReason: 'content_filter', refusal: 'I can’t read that.', usage };
      if (reply === 'answer') return { audio: await spool.fromBuffer(writeWav(BOOK_FORMAT, tone(BOOK_FORMAT, 2000, 880))), transcript: "Hi there! How's it going?", finishReason: 'stop', usage };
      if (reply === 'cut') {
        const half = request.text.slice(0, Math.floor(request.text.length / 2));
        return { audio: await spool.fromBuffer(writeWav(BOOK_FORMAT, tone(BOOK_FORMAT, seconds(half), 880))), transcript: half, finishReason: 'length', usage };
      }
      return { audio: await spool.fromBuffer(writeWav(BOOK_FORMAT, tone(BOOK_FORMAT, seconds(request.text), 440))), transcript: request.text, finishReason: 'stop', usage };
    },
  };
}

const TWO_SENTENCES = 'The river was high that spring, and the ferry did not run. We waited on the bank until the evening bell.';
const ONE_SENTENCE = 'The river was high that spring, and the ferry did not run for many days.';

describe('narrateChunk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-chunk-'));
    spool = new AudioSpool(dir);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  // Rejected readings are deleted at once; only the accepted audio (removed by each test) remains.
  afterEach(async () => expect(await readdir(dir)).toEqual([]));

  it('accepts a faithful first reading with one call', async () => {
    const n = scripted(['read']);
    const r = await narrateChunk(TWO_SENTENCES, { narrator: n, spool, voice: 'alloy', style: '' });
    expect(r.calls).toBe(1);
    expect(r.rejections).toEqual([]);
    expect(r.similarity).toBe(1);
    expect(r.usage.totalTokens).toBe(3);
    await spool.discard(r.audio.path);
  });

  it('retries an answer with a stricter instruction and records why', async () => {
    const n = scripted(['answer', 'read']);
    const r = await narrateChunk(TWO_SENTENCES, { narrator: n, spool, voice: 'alloy', style: '' });
    expect(r.calls).toBe(2);
    expect(r.rejections.map((x) => x.reason)).toEqual(['unfaithful']);
    expect(n.requests[1]!.instructions).not.toBe(n.requests[0]!.instructions);
    expect(n.requests[1]!.text).toBe(TWO_SENTENCES);
    expect(r.audio.durationMs).toBeCloseTo((TWO_SENTENCES.length / 15) * 1000, -1);
    await spool.discard(r.audio.path);
  });

  it('splits a cut-off chunk at a sentence boundary and reads the halves', async () => {
    const n = scripted(['cut', 'read', 'read']);
    const r = await narrateChunk(TWO_SENTENCES, { narrator: n, spool, voice: 'alloy', style: '' });
    expect(r.calls).toBe(3);
    expect(n.requests.slice(1).map((q) => q.text)).toEqual(splitInTwo(TWO_SENTENCES));
    expect(r.transcript.split(' ').length).toBe(TWO_SENTENCES.split(' ').length);
    // The halves and the gap between them, joined into one file with a correct header.
    const [a, b] = splitInTwo(TWO_SENTENCES)!;
    const file = await readFile(r.audio.path);
    const joined = readWavInfo(file, file.length);
    expect(joined.dataOffset).toBe(44);
    expect(joined.durationMs).toBeCloseTo(((a.length + b.length) / 15) * 1000 + 250, -1);
    await spool.discard(r.audio.path);
  });

  it('keeps a reading whose aligner crashed, without timings, and says why (one call; a split chunk too)', async () => {
    const failures: string[] = [];
    const timed = { reference: 'en-us', cost: 0.6, sentences: [] };
    // Tones say no sentence: a stand-in aligner times the first half and crashes on the second.
    const aligner = async (_audio: unknown, text: string) => {
      if (text.includes('We waited')) throw new Error('espeak-ng exited with code 7');
      return { timings: timed, verdict: { ok: true as const } };
    };
    const onAlignmentError = (error: Error) => failures.push(error.message);
    const whole = await narrateChunk(TWO_SENTENCES, { narrator: scripted(['read']), spool, voice: 'alloy', style: '', align: true, aligner, onAlignmentError });
    expect(whole.calls).toBe(1);
    expect(whole.timings).toBeUndefined();
    expect(whole.unaligned).toBe('alignment failed: espeak-ng exited with code 7');
    await spool.discard(whole.audio.path);
    // Split after a cut-off: the first half is timed, the second is not, so the chunk has no timings either.
    const split = await narrateChunk(TWO_SENTENCES, { narrator: scripted(['cut', 'read', 'read']), spool, voice: 'alloy', style: '', align: true, aligner, onAlignmentError });
    expect(split.calls).toBe(3);
    expect(split.timings).toBeUndefined();
    expect(split.unaligned).toBe('alignment failed: espeak-ng exited with code 7');
    expect(failures).toEqual(['espeak-ng exited with code 7', 'espeak-ng exited with code 7']);
    await spool.discard(split.audio.path);
  });

  it('keeps reading a one-sentence chunk that cannot be split, within the budget', async () => {
    const n = scripted(['cut', 'answer', 'read']);
    const r = await narrateChunk(ONE_SENTENCE, { narrator: n, spool, voice: 'alloy', style: '' });
    expect(r.calls).toBe(3);
    await spool.discard(r.audio.path);
  });

  it('fails with what was expected and what was heard once the budget is spent', async () => {
    const n = scripted(Array.from({ length: 20 }, () => 'answer' as const));
    const error = await narrateChunk(ONE_SENTENCE, { narrator: n, spool, voice: 'alloy', style: '', options: { maxReadings: 4 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChunkRejectedError);
    expect((error as Error).message).toContain('expected "The river was high');
    expect((error as Error).message).toContain('heard "Hi there!');
    expect(n.requests).toHaveLength(4);
  });

  it('stops after two refusals instead of paying for more', async () => {
    const n = scripted(['refuse', 'refuse', 'read']);
    await expect(narrateChunk(TWO_SENTENCES, { narrator: n, spool, voice: 'alloy', style: '' })).rejects.toThrow(/refused/);
    expect(n.requests).toHaveLength(2);
  });
});
