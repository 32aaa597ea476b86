import { describe, expect, it } from 'vitest';
import { parseWav } from '../../../src/audio/parse-wav.js';
import { renderFlite } from '../../../src/providers/render-flite.js';
import { corpusParagraph } from '../../helpers/corpus.js';

describe('flite in its WASI host', () => {
  it('renders long text again and again in one process, the same bytes each time, each voice its own', async () => {
    // Two paragraphs of Alice: flite grows its memory for text this long, which is what brought
    // node:wasi down (SIGSEGV) after a few renders; the host here must survive it and stay exact.
    const text = (
      await Promise.all([
        corpusParagraph('alice.txt', 'Alice was beginning to get very tired'),
        corpusParagraph('alice.txt', 'Just then she heard something splashing'),
      ])
    ).join(' ');
    const first = await renderFlite(text, 'rms');
    const wav = parseWav(first);
    expect(wav.format).toEqual({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    const seconds = wav.data.length / 2 / 16000;
    // About 130 words: most of a minute of speech, not a fragment.
    expect(seconds).toBeGreaterThan(30);
    expect(seconds).toBeLessThan(90);
    for (let i = 0; i < 2; i++) expect((await renderFlite(text, 'rms')).equals(first)).toBe(true);
    const others = await Promise.all((['slt', 'awb', 'kal'] as const).map((voice) => renderFlite(text.slice(0, 300), voice)));
    const short = await renderFlite(text.slice(0, 300), 'rms');
    for (const audio of others) {
      expect(parseWav(audio).format.sampleRate).toBe(16000);
      expect(audio.equals(short)).toBe(false);
    }
  });
});
