import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureWavLoudness } from '../../../src/audio/measure-wav-loudness.js';
import { segmentLoudnessOf } from '../../../src/finalizer/segment-loudness-of.js';
import { OfflineNarrator } from '../../../src/providers/offline-narrator.js';
import { FsSegmentStore } from '../../../src/store/fs-segment-store.js';
import { synthesizeChunk } from '../../../src/worker/synthesize-chunk.js';
import { PROSE, offlineSpeech } from '../../helpers/speech.js';

describe('segment loudness', () => {
  let dir: string;
  let store: FsSegmentStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-seg-loudness-'));
    store = new FsSegmentStore(join(dir, 'segments'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('is measured when a reading is stored and kept in the segment metadata', async () => {
    const spool = store.spool();
    const result = await synthesizeChunk(
      { bookId: 'b', index: 0, chapter: 0, text: PROSE[1]!, voice: 'alloy', style: '' },
      { narrator: new OfflineNarrator(spool), store, spool },
    );
    const stored = await store.get(result.key);
    const loudness = stored?.meta.loudness;
    expect(loudness?.integrated).toBeGreaterThan(-40);
    expect(loudness?.integrated).toBeLessThan(-5);
    const again = await measureWavLoudness(stored!.audio);
    expect(loudness?.integrated).toBeCloseTo(again.integrated, 2);
    expect(loudness?.truePeak).toBeCloseTo(again.truePeak, 2);
    expect(loudness?.samples).toBe(stored!.audio.dataBytes / 2);
  });

  it('is measured on demand for a segment stored before segments carried it', async () => {
    const audio = await offlineSpeech(join(dir, 'old'), PROSE[2]!);
    const key = 'ab'.repeat(32);
    const meta = { key, provider: 'offline', model: 'espeak-ng', voice: 'alloy', durationMs: audio.durationMs, transcript: '', similarity: 1, calls: 1, rejections: [], usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, createdAt: '' };
    const expected = await measureWavLoudness(audio);
    await store.put(key, audio.path, meta);
    const head = await store.head(key);
    expect(head?.meta.loudness).toBeUndefined();
    const loudness = await segmentLoudnessOf(store, { key, ...head! });
    expect(loudness.integrated).toBeCloseTo(expected.integrated, 2);
    expect(loudness.samples).toBe(head!.wav.dataBytes / 2);
  });
});
