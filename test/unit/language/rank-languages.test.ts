import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { francAll } from 'franc';
import { describe, expect, it } from 'vitest';
import { rankLanguages } from '../../../src/language/rank-languages.js';
import { KNOWN_LANGUAGES } from '../../../src/language/languages.js';
import { CORPUS } from '../../helpers/corpus.js';

/** The corpus: beside the repository, or NARRATE_TEST_CORPUS for a checkout elsewhere (a worktree). */
const CORPUS_DIR = process.env.NARRATE_TEST_CORPUS ?? CORPUS;
const ONLY = KNOWN_LANGUAGES.flatMap((l) => l.franc);

/** Short texts in the scripts and close languages detection must tell apart. */
const SAMPLES = [
  'Il était une fois une petite fille qui vivait dans un village au bord de la forêt.',
  'Es war einmal ein kleines Mädchen, das in einem Dorf am Rande des Waldes lebte.',
  'Había una vez una niña que vivía en un pueblo al borde del bosque con su abuela.',
  'Era uma vez uma menina que vivia numa aldeia à beira da floresta com a sua avó.',
  'C’era una volta una bambina che viveva in un villaggio ai margini del bosco.',
  'Er was eens een klein meisje dat in een dorp aan de rand van het bos woonde.',
  'Dawno, dawno temu żyła sobie mała dziewczynka w wiosce na skraju lasu.',
  'Жила-была маленькая девочка в деревне на краю леса, и все её любили.',
  'Колись давно жила собі маленька дівчинка в селі на краю лісу.',
  'むかしむかし、森のはずれの村に小さな女の子が住んでいました。',
  '옛날 옛적에 숲 가장자리 마을에 작은 소녀가 살았습니다.',
  'كان يا ما كان، كانت هناك فتاة صغيرة تعيش في قرية على حافة الغابة.',
  'Μια φορά κι έναν καιρό ζούσε ένα μικρό κορίτσι σε ένα χωριό στην άκρη του δάσους.',
  'एक समय की बात है, जंगल के किनारे एक गाँव में एक छोटी लड़की रहती थी।',
  'Det var en gång en liten flicka som bodde i en by vid skogens kant.',
  'Der var engang en lille pige, der boede i en landsby ved skovens kant.',
  'Bylo nebolo, v vesnici na okraji lesa žila malá holčička.',
  '12345 !!! ---',
  'a',
  '',
  'The keeper of the light climbed the stair. '.repeat(80),
];

describe('rankLanguages', () => {
  it("ranks every text exactly as franc's francAll does, scores and order", () => {
    for (const text of SAMPLES) expect(rankLanguages(text, ONLY), text.slice(0, 30)).toEqual(francAll(text, { only: ONLY, minLength: 1 }));
    // Windows of real books: the long samples detection sees (up to franc's 2,048 characters).
    const book = readFileSync(join(CORPUS_DIR, 'alice.txt'), 'utf8') + readFileSync(join(CORPUS_DIR, 'around-the-world.txt'), 'utf8');
    for (let at = 0; at < book.length - 3000; at += 9_973) {
      const text = book.slice(at, at + 1 + ((at * 7) % 2600));
      expect(rankLanguages(text, ONLY), `at ${at}`).toEqual(francAll(text, { only: ONLY, minLength: 1 }));
    }
    // Mixed: the same sentences joined, so two languages compete.
    const mixed = SAMPLES.slice(0, 8).join(' ');
    expect(rankLanguages(mixed, ONLY)).toEqual(francAll(mixed, { only: ONLY, minLength: 1 }));
    // No restriction: every language of the script.
    expect(rankLanguages(SAMPLES[0]!, [])).toEqual(francAll(SAMPLES[0]!, { minLength: 1 }));
  });
});
