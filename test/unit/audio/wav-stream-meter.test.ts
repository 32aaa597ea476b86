import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoudnessMeter } from '../../../src/audio/loudness-meter.js';
import { toSegmentLoudness } from '../../../src/audio/segment-loudness.js';
import { BOOK_FORMAT } from '../../../src/audio/wav-format.js';
import { wavHeader } from '../../../src/audio/write-wav.js';
import { AudioSpool } from '../../../src/store/audio-spool.js';
import { fillWithSpeech, loadSpeechBank } from '../../helpers/speech-bank.js';
import { ReferenceLoudnessMeter } from '../../helpers/reference-loudness-meter.js';

/**
 * The meter was made faster (direct-form-I K-weighting, a true peak that skips what cannot lift it);
 * on real speech it must measure what the meter before it measured, to the 0.01 dB the store keeps.
 */
describe('LoudnessMeter against the meter it replaced, on real speech', () => {
  // ~22 s readings (a 1 MB reply), at the voice's level, 10 dB down, and pushed up to clip (true-peak overs).
  for (const [seed, gain] of [
    [1, 1],
    [7, 0.316],
    [13, 3],
  ] as const) {
    it(`agrees within 0.01 dB on every figure (reading ${seed}, gain ${gain})`, async () => {
      const bank = await loadSpeechBank();
      const pcm = fillWithSpeech(bank, 524_288, seed, gain);
      const ours = new LoudnessMeter(24_000);
      const reference = new ReferenceLoudnessMeter(24_000);
      // Pieces of odd sizes, as a reply's pieces arrive.
      for (let at = 0; at < pcm.length; at += 30_002) ours.pushPcm16(pcm.subarray(at, at + 30_002));
      reference.pushPcm16(pcm);
      const a = ours.result();
      const b = reference.result();
      expect(a.integrated).toBeGreaterThan(-40);
      for (const figure of ['integrated', 'lra', 'truePeak', 'samplePeak', 'rms', 'noiseFloor'] as const) {
        // -Infinity (digital silence in the pauses: the noise floor) must be -Infinity in both.
        const gap = a[figure] === b[figure] ? 0 : Math.abs(a[figure] - b[figure]);
        expect(gap, `${figure}: ${a[figure]} vs ${b[figure]}`).toBeLessThanOrEqual(0.01);
      }
      expect(a.gatedBlocks).toBe(b.gatedBlocks);
      expect(a.samples).toBe(b.samples);
    });
  }
});

describe("a reading's loudness, measured as the spool writes it", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-meter-pass-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // A 1 MB reply kept in memory; a 2.5 MB one spilled to disk behind a streaming header and a LIST
  // chunk, cut mid-sample: the samples the file keeps are what is measured, and no more.
  for (const [name, samples, shape] of [
    ['1 MB, canonical header, in memory', 524_288, 'canonical'],
    ['2.5 MB, streaming header, LIST chunk, half a sample at the end, spilled', 1_300_000, 'streaming'],
  ] as const) {
    it(`equals the old read-back measurement within 0.01 dB (${name})`, async () => {
      const bank = await loadSpeechBank();
      const pcm = fillWithSpeech(bank, samples, 5);
      const header = wavHeader(BOOK_FORMAT, pcm.length);
      let wav = Buffer.concat([header, pcm]);
      if (shape === 'streaming') {
        const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([10, 0, 0, 0]), Buffer.from('INFOtest01')]);
        const fmtEnd = 36;
        const dataHead = Buffer.from(header.subarray(36, 44));
        dataHead.writeUInt32LE(0xffffffff, 4);
        wav = Buffer.concat([header.subarray(0, fmtEnd), list, dataHead, pcm, Buffer.from([7])]);
      }
      const spool = new AudioSpool(join(dir, 'spool'));
      const writer = await spool.writer();
      // Pieces of 3 bytes' multiples, as base64 decodes: samples are cut in half across pieces.
      for (let at = 0; at < wav.length; at += 49_149) await writer.write(Buffer.from(wav.subarray(at, at + 49_149)));
      const file = await writer.end();
      expect(file.loudness, 'measured as written').toBeDefined();
      const stored = await readFile(file.path);
      expect(stored.length).toBe(44 + pcm.length);
      const reference = new ReferenceLoudnessMeter(24_000);
      reference.pushPcm16(stored.subarray(file.dataOffset, file.dataOffset + file.dataBytes));
      const want = toSegmentLoudness(reference.result());
      const got = file.loudness!;
      expect(got.samples).toBe(pcm.length / 2);
      expect(got.gatedBlocks).toBe(want.gatedBlocks);
      for (const figure of ['integrated', 'truePeak', 'lra'] as const) {
        expect(Math.abs((got[figure] ?? NaN) - (want[figure] ?? NaN)), figure).toBeLessThanOrEqual(0.01);
      }
      await spool.discard(file.path);
    });
  }
});
