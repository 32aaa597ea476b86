import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../../src/language/detect-language.js';
import { espeakVoice } from '../../../src/language/espeak-voice.js';
import { frontMatterLanguage } from '../../../src/language/front-matter-language.js';
import { parseLanguageTag } from '../../../src/language/parse-language-tag.js';
import { resolveLanguage } from '../../../src/language/resolve-language.js';
import { sentenceSegments } from '../../../src/language/segment-text.js';
import { splitChunks } from '../../../src/producer/split-chunks.js';
import { splitSentencesSpaced } from '../../../src/producer/split-sentences.js';
import { checkNarration } from '../../../src/verify/check-narration.js';
import { normalizeWords } from '../../../src/verify/normalize-words.js';
import { wordSimilarity } from '../../../src/verify/word-similarity.js';
import { splitInTwo } from '../../../src/worker/narrate-chunk.js';
import { narrationInstructions } from '../../../src/providers/narration-instructions.js';

const FRENCH =
  "Les bateaux rentraient à l'aube, et personne sur le quai ne disait un mot. La mer était calme, le ciel encore gris, " +
  "et les pêcheurs déchargeaient leurs caisses sans se presser.";
const GERMAN =
  'Die Boote kamen im Morgengrauen herein, und niemand am Kai sagte ein Wort. Das Meer war ruhig und der Himmel noch grau, ' +
  'und die Fischer luden ihre Kisten aus, ohne sich zu beeilen.';
const ARABIC = 'كان يا ما كان في قديم الزمان رجل يعيش في مدينة صغيرة على شاطئ البحر، وكان يصطاد السمك كل صباح.';
const JAPANESE = '吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。';

describe('language tags', () => {
  it('canonicalises BCP 47 tags and refuses what is not one', () => {
    expect(parseLanguageTag('EN-us')).toBe('en-US');
    expect(parseLanguageTag('iw')).toBe('he');
    expect(parseLanguageTag('zh-hant-tw')).toBe('zh-Hant-TW');
    expect(parseLanguageTag('english')).toBeUndefined();
    expect(parseLanguageTag('fr_FR')).toBeUndefined();
    expect(parseLanguageTag('')).toBeUndefined();
  });

  it('reads language or lang from Markdown front matter', () => {
    expect(frontMatterLanguage('---\ntitle: T\nlanguage: fr\n---\n\n# A\n')).toBe('fr');
    expect(frontMatterLanguage('---\nlang: ja\n---\ntext\n')).toBe('ja');
    expect(frontMatterLanguage('# No front matter\n')).toBeUndefined();
  });
});

describe('detectLanguage (franc)', () => {
  it.each([
    [FRENCH, 'fr'],
    [GERMAN, 'de'],
    [ARABIC, 'ar'],
    [JAPANESE, 'ja'],
    ['ספר זה נכתב בעברית, והוא מספר על ילד קטן שגר ליד הים ואהב לדוג דגים בכל בוקר.', 'he'],
  ])('%s → %s', (text, tag) => {
    expect(detectLanguage(text)).toMatchObject({ language: tag, confident: true });
  });

  it('falls back to English, unsure, on a short text that does not look English', () => {
    expect(detectLanguage('Bonjour mon ami')).toMatchObject({ language: 'en', confident: false });
    const resolved = resolveLanguage('x.md', [{ title: 'x', paragraphs: ['Bonjour mon ami'] }]);
    expect(resolved.language).toBe('en');
    expect(resolved.warnings.join()).toMatch(/x\.md: too little text .* assuming English \(en\)/);
  });

  it('prefers --language, then what the book declares, and reports a declared tag that is not one', () => {
    const chapters = [{ title: 'x', paragraphs: [FRENCH] }];
    expect(resolveLanguage('b', chapters, 'de', { tag: 'ja', from: 'epub' })).toMatchObject({ language: 'de', source: 'flag' });
    expect(resolveLanguage('b', chapters, undefined, { tag: 'fr-ca', from: 'epub' })).toMatchObject({ language: 'fr-CA', source: 'epub' });
    const bad = resolveLanguage('b.epub', chapters, undefined, { tag: 'French', from: 'epub' });
    expect(bad).toMatchObject({ language: 'fr', source: 'detected' });
    expect(bad.warnings[0]).toContain('"French", which is not a BCP 47 tag');
  });
});

describe('segmentation (Intl.Segmenter)', () => {
  it('splits Japanese sentences without adding spaces, and gives the text back exactly', () => {
    const sentences = splitSentencesSpaced(JAPANESE, 'ja');
    expect(sentences.map((s) => s.text)).toEqual(['吾輩は猫である。', '名前はまだ無い。', 'どこで生れたかとんと見当がつかぬ。', '何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。']);
    expect(sentences.every((s) => !s.spaceBefore)).toBe(true);
    expect(sentenceSegments(JAPANESE, 'ja').join('')).toBe(JAPANESE);
  });

  it('keeps French closing guillemets and initials with their sentence', () => {
    const text = 'M. Dupont est arrivé. Il a dit : « Bonjour ! » Puis il est parti.';
    expect(splitSentencesSpaced(text, 'fr').map((s) => s.text)).toEqual(['M. Dupont est arrivé.', 'Il a dit : « Bonjour ! »', 'Puis il est parti.']);
  });

  it('chunks Japanese between sentences, then between words, never adding a space', () => {
    const chunks = splitChunks([{ title: 'c', paragraphs: [JAPANESE.repeat(3)] }], 40, 'ja');
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((c) => c.text).join('')).toBe(JAPANESE.repeat(3));
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(40);
    const words = splitChunks([{ title: 'c', paragraphs: ['何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。'] }], 20, 'ja');
    expect(words.map((c) => c.text).join('')).toBe('何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。');
    // Cut between words: no chunk starts inside "ニャーニャー" or "記憶".
    expect(words.map((c) => c.text)).not.toContainEqual(expect.stringMatching(/^(ャ|ー|憶)/u));
  });

  it('keeps English chunking exactly as before', () => {
    const text = 'Mr. Smith went to Washington. He said "Hi." Then left. J. R. R. Tolkien met H. G. Wells.';
    expect(splitChunks([{ title: 'c', paragraphs: [text] }], 40, 'en')).toEqual(splitChunks([{ title: 'c', paragraphs: [text] }], 40));
    expect(splitChunks([{ title: 'c', paragraphs: [text] }], 40).map((c) => c.text)).toEqual(['Mr. Smith went to Washington.', 'He said "Hi." Then left.', 'J. R. R. Tolkien met H. G. Wells.']);
  });

  it('halves a Japanese chunk at a sentence, without a space', () => {
    expect(splitInTwo('吾輩は猫である。名前はまだ無い。', 'ja')).toEqual(['吾輩は猫である。', '名前はまだ無い。']);
  });
});

describe('the verbatim check across languages', () => {
  it('compares Japanese by words: punctuation and spacing do not count, one wrong word costs one word', () => {
    const words = normalizeWords(JAPANESE, { language: 'ja' });
    expect(words.length).toBeGreaterThan(20);
    expect(words).toContain('名前');
    const respaced = '吾輩は 猫である 名前は まだ無い、どこで生れたか とんと見 当がつかぬ 何でも薄暗い じめじめした所で ニャーニャー泣いていた事だけは記憶している';
    expect(wordSimilarity(JAPANESE, respaced, { language: 'ja' }).score).toBe(1);
    const oneWord = JAPANESE.replace('記憶', '記録');
    const score = wordSimilarity(JAPANESE, oneWord, { language: 'ja' }).score;
    expect(score).toBeGreaterThan(0.95);
    expect(score).toBeLessThan(1);
  });

  it('rejects a Japanese text read in English translation', () => {
    const english = 'I am a cat. As yet I have no name. I have no idea where I was born.';
    const check = checkNarration({ text: JAPANESE, transcript: english, finishReason: 'stop', durationMs: 8000 }, { language: 'ja' });
    expect(check.ok).toBe(false);
    expect(check).toMatchObject({ reason: 'unfaithful' });
  });

  it('accepts a numeral read as words in French, but not a different number or a long invention', () => {
    const text = 'En 1866, il avait 7 bateaux.';
    expect(wordSimilarity(text, 'En mille huit cent soixante-six, il avait sept bateaux.', { language: 'fr' }).score).toBe(1);
    expect(wordSimilarity(text, 'En 1866, il avait 7 bateaux.', { language: 'fr' }).score).toBe(1);
    expect(wordSimilarity(text, 'En 1867, il avait 7 bateaux.', { language: 'fr' }).score).toBeLessThan(1);
    // "7" may be at most three words: a sentence in its place is not a reading of it.
    const invented = wordSimilarity(text, 'En mille huit cent soixante-six, il avait beaucoup de très jolis petits bateaux.', { language: 'fr' });
    expect(invented.score).toBeLessThan(0.9);
  });

  it('reads Arabic digits and diacritics alike on both sides', () => {
    expect(wordSimilarity('وُلِدَ فِي عَامِ ١٨٦٦', 'ولد في عام 1866', { language: 'ar' }).score).toBe(1);
  });

  it('keeps English number words, contractions and abbreviations, and leaves them alone elsewhere', () => {
    expect(normalizeWords("Mr. Smith can't pay $5")).toEqual(['mister', 'smith', 'can', 'not', 'pay', '5', 'dollars']);
    expect(normalizeWords('Il a six ans & demi', { language: 'fr' })).toEqual(['il', 'a', 'six', 'ans', 'demi']);
  });
});

describe('voice and instructions follow the language', () => {
  it('picks espeak-ng voices by language, keeping the chat voice variant, and warns when there is none', () => {
    expect(espeakVoice('alloy', 'en')).toEqual({ voice: 'en-us' });
    expect(espeakVoice('coral', 'fr-CA')).toEqual({ voice: 'fr-fr+f3' });
    expect(espeakVoice('alloy', 'ar')).toEqual({ voice: 'ar' });
    expect(espeakVoice('alloy', 'ja')).toEqual({ voice: 'ja' });
    expect(espeakVoice('alloy', 'hr')).toEqual({ voice: 'hr' });
    expect(espeakVoice('de+m3', 'fr')).toEqual({ voice: 'de+m3' });
    const none = espeakVoice('alloy', 'yo');
    expect(none.voice).toBe('en-us');
    expect(none.warning).toMatch(/no Yoruba \(yo\) voice; it will read with an English voice/);
  });

  it('names the language for other books, and leaves English instructions (and segment keys) unchanged', () => {
    expect(narrationInstructions({ style: 'calm', language: 'en-GB' })).toBe(narrationInstructions({ style: 'calm' }));
    expect(narrationInstructions({ style: 'calm' })).not.toContain('The text is in');
    const fr = narrationInstructions({ style: 'calm', language: 'fr' });
    expect(fr).toContain('The text is in French (fr). Read it in French');
    expect(fr).toContain('never translate it into English');
  });
});
