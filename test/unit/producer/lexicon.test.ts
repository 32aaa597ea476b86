import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLexicon, loadLexicon, mergeLexicons } from '../../../src/producer/lexicon.js';
import { wordSimilarity } from '../../../src/verify/word-similarity.js';

describe('pronunciation lexicon', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-lexicon-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const lexicon = new Map([
    ['Passepartout', 'Pass-par-too'],
    ['Dr.', 'Doctor'],
    ['St. Paul', 'Saint Paul'],
    ['St.', 'Street'],
  ]);

  it('replaces whole words only, case-insensitively, longest first', () => {
    expect(applyLexicon('Passepartout met Dr. Fogg near St. Paul on Baker St.', lexicon)).toBe(
      'Pass-par-too met Doctor Fogg near Saint Paul on Baker Street',
    );
    expect(applyLexicon('PASSEPARTOUT and Passepartouts', lexicon)).toBe('Pass-par-too and Passepartouts');
    expect(applyLexicon('Dr.No', new Map([['No', 'Number']]))).toBe('Dr.Number');
  });

  it('makes the fidelity check compare with what the model was asked to say', () => {
    const sent = applyLexicon('Passepartout bowed.', lexicon);
    expect(wordSimilarity(sent, 'Pass-par-too bowed.').score).toBe(1);
    expect(wordSimilarity('Passepartout bowed.', 'Pass-par-too bowed.').score).toBeLessThan(0.9);
  });

  it('reads JSON and YAML and names a bad file', async () => {
    await writeFile(join(dir, 'a.json'), '{"Fogg": "Fog"}');
    await writeFile(join(dir, 'b.yaml'), 'Fogg: Phileas Fog\nAouda: Ah-oo-da\n');
    await writeFile(join(dir, 'bad.yaml'), '- just\n- a list\n');
    await writeFile(join(dir, 'broken.json'), '{"Fogg": ');
    const merged = mergeLexicons(await loadLexicon(join(dir, 'a.json')), await loadLexicon(join(dir, 'b.yaml')));
    expect(merged.get('Fogg')).toBe('Phileas Fog');
    expect(merged.get('Aouda')).toBe('Ah-oo-da');
    await expect(loadLexicon(join(dir, 'bad.yaml'))).rejects.toThrow(/bad\.yaml: expected a map of word to spoken form/);
    await expect(loadLexicon(join(dir, 'broken.json'))).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(loadLexicon(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: no such file/);
  });
});
