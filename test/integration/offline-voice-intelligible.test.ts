import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusParagraph } from '../helpers/corpus.js';
import { OfflineNarrator } from '../../src/providers/offline-narrator.js';
import { AudioSpool } from '../../src/store/audio-spool.js';
import { findRecognizer } from '../helpers/recognize-speech.js';
import { wordErrorRate } from '../helpers/word-error-rate.js';

// pocketsphinx comes with `npm run setup`; a machine without it skips this file rather than failing.
const recognizer = findRecognizer();

describe.skipIf(recognizer === undefined)('the default English offline voice, heard by a recognizer that never saw the text', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-intelligible-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is understood: at most 20% word errors on a paragraph of Alice (espeak-ng, the voice before, gets 61% wrong here)', async () => {
    const text = await corpusParagraph('alice.txt', 'Alice was beginning to get very tired');
    // The voice a user gets with no key and no --voice: NARRATE_VOICE's default, alloy, in an English book.
    const result = await new OfflineNarrator(new AudioSpool(dir)).narrate({ text, voice: 'alloy', instructions: '', language: 'en' });
    const heard = await recognizer!.recognize(result.audio!.path);
    const wer = wordErrorRate(text, heard);
    expect(wer.words).toBeGreaterThan(50);
    expect(wer.rate, `heard: ${heard}`).toBeLessThanOrEqual(0.2);
    // pocketsphinx takes seconds for this paragraph alone, minutes on a machine busy with other tests.
  }, 300_000);
});
