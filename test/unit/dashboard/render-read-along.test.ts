import { describe, expect, it } from 'vitest';
import { readAlongHtml } from '../../../src/dashboard/render-read-along.js';

const text = (unaligned: number[]) => ({ chapters: ['The Harbour'], sentences: [{ chapter: 1, chunk: 0, text: 'The boats came back.', startMs: 0, endMs: 900 }], unaligned });
const page = (unaligned: number[]) => readAlongHtml({ title: 'Harbour', text: text(unaligned), audioUrl: '/a.mp3', backUrl: '/books', nonce: 'n' });

describe('readAlongHtml', () => {
  it('says which chunks have no sentence timings, above the text', () => {
    expect(page([1])).toContain('<p class="note">Chunk 1 has no sentence timings (the aligner failed when narrated): its text is missing here; the player plays its audio.</p>');
    expect(page([1, 4])).toContain('Chunks 1, 4 have no sentence timings');
    expect(page([1]).indexOf('class="note"')).toBeLessThan(page([1]).indexOf('id="text"'));
  });

  it('says nothing when every chunk is timed', () => {
    expect(page([])).not.toContain('<p class="note">');
  });
});
