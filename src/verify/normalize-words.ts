import { isEnglish } from '../language/languages.js';
import { segmentWords } from '../language/segment-text.js';

/**
 * Text → comparable words. The chunk's text and the model's transcript go through the same function,
 * so every rule only has to be consistent, not linguistically perfect: "Chapter 7" and "chapter seven"
 * must land on the same words, and so must “don’t” and "don't".
 *
 * Numbers go to digits rather than digits to words: one number has many spoken forms ("1866" is
 * "eighteen sixty-six", "one thousand eight hundred and sixty-six", "eighteen hundred and sixty-six")
 * but one written form, so parsing every spoken form into digits is robust where choosing a single
 * spelling for each digit string would not be.
 */

/** A word and whether punctuation stood before it: numbers never run on across a comma or a full stop. */
interface Token {
  word: string;
  breakBefore: boolean;
}

type NumberKind = 'unit' | 'teen' | 'tens' | 'hundred' | 'scale';

interface NumberWord {
  kind: NumberKind;
  value: number;
  /** "first", "twentieth", "hundredth": ends the number. */
  ordinal: boolean;
  /** "nineties": a decade, ends the number. */
  decade: boolean;
}

const NUMBER_WORDS: ReadonlyMap<string, NumberWord> = buildNumberWords();

function buildNumberWords(): Map<string, NumberWord> {
  const map = new Map<string, NumberWord>();
  const add = (kind: NumberKind, words: readonly string[], values: readonly number[], ordinal = false, decade = false): void => {
    words.forEach((word, index) => map.set(word, { kind, value: values[index] ?? 0, ordinal, decade }));
  };
  const units = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  const teens = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
  const tens = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
  const unitValues = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const teenValues = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const tensValues = [20, 30, 40, 50, 60, 70, 80, 90];
  add('unit', ['zero', 'nought', 'naught'], [0, 0, 0]);
  add('unit', units, unitValues);
  add('teen', teens, teenValues);
  add('tens', tens, tensValues);
  add('tens', ['fourty'], [40]);
  add('hundred', ['hundred'], [100]);
  add('scale', ['thousand', 'million', 'billion', 'trillion'], [1e3, 1e6, 1e9, 1e12]);
  add('unit', ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'], unitValues, true);
  add(
    'teen',
    ['tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth'],
    teenValues,
    true,
  );
  add('tens', ['twentieth', 'thirtieth', 'fortieth', 'fiftieth', 'sixtieth', 'seventieth', 'eightieth', 'ninetieth'], tensValues, true);
  add('hundred', ['hundredth'], [100], true);
  add('scale', ['thousandth', 'millionth', 'billionth', 'trillionth'], [1e3, 1e6, 1e9, 1e12], true);
  add('tens', ['twenties', 'thirties', 'forties', 'fifties', 'sixties', 'seventies', 'eighties', 'nineties'], tensValues, false, true);
  return map;
}

/** Spoken and written forms of the same word that a transcript may choose differently from the book. */
const SAME_WORD: ReadonlyMap<string, string> = new Map([
  ['mr', 'mister'],
  ['mrs', 'missus'],
  ['dr', 'doctor'],
  ['prof', 'professor'],
  ['vs', 'versus'],
  ['etc', 'etcetera'],
  ['ok', 'okay'],
]);

/** Words that make "one" a pronoun rather than a number. */
const PRONOUN_PREFIXES: ReadonlySet<string> = new Set(['any', 'every', 'some', 'no']);

/** Words after which a Roman numeral is a number the narrator will say aloud ("Chapter IV" → "Chapter four"). */
const HEADING_WORDS: ReadonlySet<string> = new Set([
  'chapter', 'book', 'part', 'volume', 'vol', 'act', 'scene', 'canto', 'section', 'appendix', 'letter', 'stave', 'psalm',
]);

const ROMAN = /^m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})$/;
const ROMAN_VALUES: Readonly<Record<string, number>> = { i: 1, v: 5, x: 10, l: 50, c: 100, d: 500, m: 1000 };

const CURRENCIES: Readonly<Record<string, readonly [one: string, many: string, cent: string, cents: string]>> = {
  $: ['dollar', 'dollars', 'cent', 'cents'],
  '£': ['pound', 'pounds', 'penny', 'pence'],
  '€': ['euro', 'euros', 'cent', 'cents'],
  '¥': ['yen', 'yen', 'sen', 'sen'],
  '₹': ['rupee', 'rupees', 'paisa', 'paise'],
};

/** How to read the words. */
export interface NormalizeOptions {
  /** The book's language (BCP 47). English (the default) adds its own rules: number words, contractions, "Mr". */
  language?: string;
}

/**
 * Lower-cased, accent-free words with numbers as digits: the form both sides of a comparison are reduced to.
 * Words come from spaces and punctuation, and inside scripts that write no spaces (Japanese, Chinese,
 * Thai) from Intl.Segmenter, so one changed character costs one word, not a clause. English also reads
 * number words as digits and expands contractions; other languages keep their words as they are, and
 * their numerals are matched against words by the similarity (wordSimilarity's numeral runs).
 */
export function normalizeWords(text: string, options: NormalizeOptions = {}): string[] {
  if (!isEnglish(options.language)) {
    return tokenize(rewriteNeutral(text), options.language).map(({ word }) => (/^\d+$/u.test(word) ? stripZeros(word) : word));
  }
  const tokens = canonicalTokens(tokenize(rewriteSymbols(text)));
  return numbersToDigits(tokens);
}

// Scripts written without spaces between words. The prolonged-sound mark and iteration marks are "Common" script.
const UNSPACED = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}\\p{Script=Tibetan}\\u30FC\\u3005\\u303B';
const HAS_UNSPACED = new RegExp(`[${UNSPACED}]`, 'u');
// Spaces and punctuation between two such characters carry no word boundary a reader hears: "猫である。名前" and
// "猫である 名前" are the same words. Dropping them first lets the segmenter see the same run on both sides.
const GAP_IN_UNSPACED = new RegExp(`(?<=[${UNSPACED}])[\\s\\p{P}\\p{S}]+(?=[${UNSPACED}])`, 'gu');

/** Accents off (but Japanese voicing marks kept: か and が are different sounds), compatibility forms unfolded. */
function foldMarks(text: string): string {
  return text.normalize('NFKD').replace(/(?![\u3099\u309A])\p{M}/gu, '').normalize('NFC').toLowerCase();
}

/** Zero code points of the decimal digit blocks a book may use besides ASCII (Arabic-Indic, Persian, Devanagari, Bengali, Thai, ...). */
const DIGIT_ZEROS = [0x660, 0x6f0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xe50, 0xed0, 0xf20, 0x1040, 0x17e0];

/** Native digits as ASCII ones: "١٨٦٦" and "1866" are one number. */
function asciiDigits(text: string): string {
  return text.replace(/\p{Nd}/gu, (digit) => {
    const code = digit.codePointAt(0)!;
    const zero = DIGIT_ZEROS.find((z) => code >= z && code <= z + 9);
    return zero === undefined ? digit : String(code - zero);
  });
}

/**
 * The language-neutral part of rewriteSymbols, for books not in English: no English words are put in
 * ("&" is not "and" in French). Quotes, apostrophes, Arabic letter variants and number punctuation agree.
 */
function rewriteNeutral(text: string): string {
  return asciiDigits(foldMarks(text))
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u02BB\u02BC`\u00B4]/gu, "'")
    // An apostrophe inside a word ("l'aube", "aujourd'hui") joins, on both sides alike.
    .replace(/(?<=[\p{L}\p{N}])'(?=[\p{L}\p{N}])/gu, '')
    // Arabic: tatweel is only stretching; alef maqsura and ta marbuta are spelled either way in transcripts.
    .replace(/\u0640/gu, '')
    .replace(/\u0649/gu, '\u064A')
    .replace(/\u0629/gu, '\u0647')
    // Thousands separators (",", ".", spaces, the French narrow no-break space) go; a decimal comma becomes a point.
    .replace(/(?<=\d)[,.\u00A0\u202F' ](?=\d{3}(?!\d))/gu, '')
    .replace(/(?<=\d),(?=\d)/gu, '.');
}

/** Character-level rewriting: symbols a narrator says as words, quotes, contractions, money, times. */
function rewriteSymbols(text: string): string {
  let s = text
    // Vulgar fractions first: NFKD would turn "½" into "1⁄2", which reads as two numbers.
    .replace(/(\d)\s*½/gu, '$1 and a half')
    .replace(/(\d)\s*¼/gu, '$1 and a quarter')
    .replace(/(\d)\s*¾/gu, '$1 and three quarters')
    .replace(/½/gu, ' half ')
    .replace(/¼/gu, ' a quarter ')
    .replace(/¾/gu, ' three quarters ');
  // NFKD splits accents off their letters (and unfolds ligatures, full-width digits, superscripts).
  s = foldMarks(s);
  s = s
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u02BB\u02BC`\u00B4]/gu, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/gu, '"');
  // Contractions expand, so "don't" and "do not" agree; "'s" and "'d" stay joined because they are ambiguous.
  s = s
    .replace(/(?<![\p{L}\p{N}])won't(?![\p{L}\p{N}])/gu, 'will not')
    .replace(/(?<![\p{L}\p{N}])shan't(?![\p{L}\p{N}])/gu, 'shall not')
    .replace(/(?<![\p{L}\p{N}])can't(?![\p{L}\p{N}])/gu, 'can not')
    .replace(/(?<![\p{L}\p{N}])cannot(?![\p{L}\p{N}])/gu, 'can not')
    .replace(/(?<![\p{L}\p{N}])ain't(?![\p{L}\p{N}])/gu, 'aint')
    .replace(/(\p{L})n't(?![\p{L}\p{N}])/gu, '$1 not')
    .replace(/(\p{L})'re(?![\p{L}\p{N}])/gu, '$1 are')
    .replace(/(\p{L})'ve(?![\p{L}\p{N}])/gu, '$1 have')
    .replace(/(\p{L})'ll(?![\p{L}\p{N}])/gu, '$1 will')
    .replace(/(?<![\p{L}\p{N}])i'm(?![\p{L}\p{N}])/gu, 'i am')
    // Any other apostrophe inside a word disappears ("o'clock", "it's"); at an edge it is a quote mark.
    .replace(/(?<=[\p{L}\p{N}])'(?=[\p{L}\p{N}])/gu, '');
  // Thousands separators go before anything reads digits: "1,000,000" is one number.
  s = s.replace(/(?<=\d),(?=\d{3}(?!\d))/gu, '');
  s = s.replace(
    /([$£€¥₹])\s?(\d+)(?:\.(\d+))?(?:\s+(thousand|million|billion|trillion)(?![\p{L}\p{N}]))?/gu,
    (_match, symbol: string, whole: string, fraction: string | undefined, scale: string | undefined) =>
      ` ${spokenMoney(symbol, whole, fraction, scale)} `,
  );
  s = s.replace(/(?<!\d)(\d{1,2}):(\d{2})(?![\d:])/gu, (_match, hours: string, minutes: string) => ` ${spokenTime(hours, minutes)} `);
  return s
    .replace(/&/gu, ' and ')
    .replace(/%/gu, ' percent ')
    .replace(/@/gu, ' at ')
    .replace(/\+/gu, ' plus ')
    .replace(/°/gu, ' degrees ')
    .replace(/#(?=\d)/gu, ' number ');
}

/** "$5" → "5 dollars", "£1.50" → "1 pound 50 pence", "$2 million" → "2 million dollars": the order a narrator says it. */
function spokenMoney(symbol: string, whole: string, fraction: string | undefined, scale: string | undefined): string {
  const names = CURRENCIES[symbol];
  if (names === undefined) return `${whole}`;
  const [one, many, cent, cents] = names;
  if (scale !== undefined) return `${whole}${fraction === undefined ? '' : `.${fraction}`} ${scale} ${many}`;
  const wholeValue = Number(whole);
  const fractionValue = fraction === undefined ? 0 : Number(fraction.length === 1 ? `${fraction}0` : fraction.slice(0, 2));
  const units = `${whole} ${wholeValue === 1 ? one : many}`;
  if (fractionValue === 0) return units;
  const subunits = `${fractionValue} ${fractionValue === 1 ? cent : cents}`;
  return wholeValue === 0 ? subunits : `${units} and ${subunits}`;
}

/**
 * "10:15" reads "ten fifteen", which the number parser joins into 1015 the way it joins "nineteen
 * sixty"; "3:30" reads "three thirty", which it leaves as two numbers. Produce whatever the spoken form
 * will become, so the two sides agree.
 */
function spokenTime(hours: string, minutes: string): string {
  const h = Number(hours);
  if (minutes === '00') return `${h} oclock`;
  if (h >= 10 || minutes.startsWith('0')) return String(h * 100 + Number(minutes));
  return `${h} ${Number(minutes)}`;
}

/**
 * Splits into words, remembering where punctuation was; hyphens join ("twenty-one") rather than break.
 * A run of Japanese, Chinese or Thai is cut into its words by Intl.Segmenter.
 */
function tokenize(text: string, language?: string): Token[] {
  const tokens: Token[] = [];
  let breakPending = false;
  const source = HAS_UNSPACED.test(text) ? text.replace(GAP_IN_UNSPACED, '') : text;
  for (const match of source.matchAll(/(\d+\.\d+)|([\p{L}\p{N}]+)|([\s\-\u2010\u2011]+)|([^])/gu)) {
    const word = match[1] ?? match[2];
    if (word !== undefined) {
      const words = match[2] !== undefined && HAS_UNSPACED.test(word) ? segmentWords(word, language) : [word];
      words.forEach((w, i) => tokens.push({ word: w, breakBefore: i === 0 && (breakPending || tokens.length === 0) }));
      breakPending = false;
    } else if (match[4] !== undefined) {
      breakPending = true;
    }
  }
  return tokens;
}

/** Word-level spellings: abbreviations, "per cent", Roman numerals after "Chapter". */
function canonicalTokens(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    const previous = out[out.length - 1];
    let word = SAME_WORD.get(token.word) ?? token.word;
    if (word === 'per' && next?.word === 'cent' && !next.breakBefore) {
      word = 'percent';
      i++;
    } else if (word === 'et' && next?.word === 'cetera' && !next.breakBefore) {
      word = 'etcetera';
      i++;
    } else if (previous !== undefined && HEADING_WORDS.has(previous.word) && !token.breakBefore && ROMAN.test(word)) {
      word = String(romanValue(word));
    }
    out.push({ word, breakBefore: token.breakBefore });
  }
  return out;
}

function romanValue(numeral: string): number {
  let total = 0;
  for (let i = 0; i < numeral.length; i++) {
    const value = ROMAN_VALUES[numeral[i]!] ?? 0;
    const next = ROMAN_VALUES[numeral[i + 1] ?? ''] ?? 0;
    total += value < next ? -value : value;
  }
  return total;
}

/** Replaces every run of number words (and digits followed by "million" and the like) with one digit word. */
function numbersToDigits(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    const digits = parseDigits(tokens, i);
    if (digits !== undefined) {
      out.push(digits.text);
      i = digits.next;
      continue;
    }
    // "any one", "no one": a pronoun, kept as a word so it still matches "anyone" when joined.
    const previous = tokens[i - 1];
    if (token.word === 'one' && previous !== undefined && !token.breakBefore && PRONOUN_PREFIXES.has(previous.word)) {
      out.push(token.word);
      i++;
      continue;
    }
    const spoken = parseSpokenNumber(tokens, i);
    if (spoken !== undefined) {
      out.push(spoken.text);
      i = spoken.next;
      continue;
    }
    out.push(token.word);
    i++;
  }
  return out;
}

interface Parsed {
  text: string;
  next: number;
}

/** A number written in digits: "7", "007", "3.5", "21st", "1990s", "2 million". */
function parseDigits(tokens: readonly Token[], start: number): Parsed | undefined {
  const word = tokens[start]!.word;
  if (/^\d+\.\d+$/.test(word)) return { text: word, next: start + 1 };
  const ordinal = /^(\d+)(?:st|nd|rd|th)$/.exec(word);
  if (ordinal !== null) return { text: ordinalText(stripZeros(ordinal[1]!)), next: start + 1 };
  const decade = /^(\d+)s$/.exec(word);
  if (decade !== null) return { text: `${stripZeros(decade[1]!)}s`, next: start + 1 };
  if (!/^\d+$/.test(word)) return undefined;
  let value = stripZeros(word);
  let next = start + 1;
  const scaleToken = tokens[next];
  const scale = scaleToken === undefined || scaleToken.breakBefore ? undefined : NUMBER_WORDS.get(scaleToken.word);
  // "2 million" and "two million" must meet; past 15 digits Number loses integers, so leave those alone.
  if (scale !== undefined && !scale.decade && (scale.kind === 'scale' || (scale.kind === 'hundred' && Number(value) < 100)) && value.length <= 12) {
    const product = Number(value) * scale.value;
    value = scale.ordinal ? ordinalText(String(product)) : String(product);
    next++;
  }
  return { text: value, next };
}

function stripZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/u, '');
}

/** A number in words, with the readings of years and times: "eighteen sixty-six" → 1866, "nineteen oh five" → 1905. */
function parseSpokenNumber(tokens: readonly Token[], start: number): Parsed | undefined {
  const first = parseWordGroup(tokens, start);
  if (first === undefined) return undefined;
  if (first.ordinal || first.decade) return { text: groupText(first), next: first.next };
  const after = tokens[first.next];
  const joinable = first.simple && after !== undefined && !after.breakBefore;
  // "nineteen oh five", "three oh five" (a time), "one oh one" (a room).
  if (joinable && first.value >= 1 && first.value <= 99 && after.word === 'oh') {
    const digit = tokens[first.next + 1];
    const digitWord = digit === undefined || digit.breakBefore ? undefined : NUMBER_WORDS.get(digit.word);
    if (digitWord !== undefined && digitWord.kind === 'unit' && !digitWord.ordinal && digitWord.value > 0) {
      return { text: String(first.value * 100 + digitWord.value), next: first.next + 2 };
    }
  }
  // "eighteen sixty-six", "twenty twenty-four", "ten fifteen", "nineteen nineties": years and times said in pairs.
  if (joinable && first.value >= 10 && first.value <= 99) {
    const second = parseWordGroup(tokens, first.next);
    if (second !== undefined && second.simple && second.value >= 10 && second.value <= 99 && !second.ordinal) {
      const value = first.value * 100 + second.value;
      return { text: second.decade ? `${value}s` : String(value), next: second.next };
    }
  }
  if (after !== undefined && !after.breakBefore && after.word === 'point') {
    const decimals = parseDecimalDigits(tokens, first.next + 1);
    if (decimals !== undefined) return { text: `${first.value}.${decimals.text}`, next: decimals.next };
  }
  return { text: groupText(first), next: first.next };
}

/** The digits after "point", each said on its own ("three point one four") or in pairs ("point twenty-five"). */
function parseDecimalDigits(tokens: readonly Token[], start: number): Parsed | undefined {
  let text = '';
  let i = start;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (token.breakBefore) break;
    if (token.word === 'oh') {
      text += '0';
      i++;
      continue;
    }
    const word = NUMBER_WORDS.get(token.word);
    if (word === undefined || word.ordinal || word.decade) break;
    if (word.kind === 'unit' || word.kind === 'teen') {
      text += String(word.value);
      i++;
    } else if (word.kind === 'tens') {
      const unit = tokens[i + 1];
      const unitWord = unit === undefined || unit.breakBefore ? undefined : NUMBER_WORDS.get(unit.word);
      if (unitWord !== undefined && unitWord.kind === 'unit' && !unitWord.ordinal && unitWord.value > 0) {
        text += String(word.value + unitWord.value);
        i += 2;
      } else {
        text += String(word.value);
        i++;
      }
    } else {
      break;
    }
  }
  return text === '' ? undefined : { text, next: i };
}

interface WordGroup {
  value: number;
  next: number;
  ordinal: boolean;
  decade: boolean;
  /** Said as one or two words under a hundred, no "hundred"/"thousand": half of a year or time said in pairs. */
  simple: boolean;
}

/** Standard English cardinal grammar: "three hundred and forty-two thousand, one hundred and six" (without the comma). */
function parseWordGroup(tokens: readonly Token[], start: number): WordGroup | undefined {
  let total = 0;
  let current = 0;
  let last: NumberKind | 'none' = 'none';
  let lastScale = Number.POSITIVE_INFINITY;
  let scaled = false;
  let ordinal = false;
  let decade = false;
  let i = start;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (i > start && token.breakBefore) break;
    const next = tokens[i + 1];
    const nextWord = next === undefined || next.breakBefore ? undefined : NUMBER_WORDS.get(next.word);
    let word = NUMBER_WORDS.get(token.word);
    if (word === undefined && (token.word === 'a' || token.word === 'an') && last === 'none') {
      // "a hundred" is "one hundred".
      if (nextWord === undefined || (nextWord.kind !== 'hundred' && nextWord.kind !== 'scale')) break;
      word = { kind: 'unit', value: 1, ordinal: false, decade: false };
    }
    if (word === undefined && token.word === 'and' && (last === 'hundred' || last === 'scale')) {
      // "one hundred and five": "and" belongs to the number only when a smaller number word follows it.
      // ... and is under a hundred: "two million and two million" is two numbers, not 2,000,002 million.
      if (!smallNumberFollows(tokens, i + 1)) break;
      i++;
      continue;
    }
    if (word === undefined || !follows(last, word, current, lastScale)) break;
    switch (word.kind) {
      case 'unit':
      case 'teen':
      case 'tens':
        current += word.value;
        break;
      case 'hundred':
        current *= 100;
        scaled = true;
        break;
      case 'scale':
        total += current * word.value;
        current = 0;
        lastScale = word.value;
        scaled = true;
        break;
    }
    last = word.kind;
    i++;
    if (word.ordinal || word.decade) {
      ordinal = word.ordinal;
      decade = word.decade;
      break;
    }
  }
  if (i === start || last === 'none') return undefined;
  const value = total + current;
  return { value, next: i, ordinal, decade, simple: !scaled && value < 100 };
}

/** Whether the words from `start` say a number under a hundred that no "hundred" or "thousand" follows. */
function smallNumberFollows(tokens: readonly Token[], start: number): boolean {
  const wordAt = (index: number): NumberWord | undefined => {
    const token = tokens[index];
    return token === undefined || token.breakBefore ? undefined : NUMBER_WORDS.get(token.word);
  };
  const first = wordAt(start);
  if (first === undefined || (first.kind !== 'unit' && first.kind !== 'teen' && first.kind !== 'tens')) return false;
  let end = start + 1;
  const unit = wordAt(end);
  if (first.kind === 'tens' && !first.ordinal && !first.decade && unit?.kind === 'unit' && unit.value > 0) end++;
  const after = wordAt(end);
  return after === undefined || (after.kind !== 'hundred' && after.kind !== 'scale');
}

/** Whether `word` can continue a number whose last word was of kind `last`. */
function follows(last: NumberKind | 'none', word: NumberWord, current: number, lastScale: number): boolean {
  switch (word.kind) {
    case 'unit':
      // "zero" only stands alone: "one zero" is two numbers.
      return last === 'none' || (word.value > 0 && (last === 'tens' || last === 'hundred' || last === 'scale'));
    case 'teen':
    case 'tens':
      return last === 'none' || last === 'hundred' || last === 'scale';
    case 'hundred':
      return (last === 'unit' || last === 'teen' || last === 'tens') && current > 0 && current < 100;
    case 'scale':
      return last !== 'none' && last !== 'scale' && current > 0 && word.value < lastScale;
  }
}

function groupText(group: WordGroup): string {
  if (group.ordinal) return ordinalText(String(group.value));
  if (group.decade) return `${group.value}s`;
  return String(group.value);
}

/** "21" → "21st", "12" → "12th": one spelling for "21st", "21ST" and "twenty-first". */
function ordinalText(digits: string): string {
  const lastTwo = Number(digits.slice(-2));
  if (lastTwo >= 11 && lastTwo <= 13) return `${digits}th`;
  const last = digits.slice(-1);
  const suffix = last === '1' ? 'st' : last === '2' ? 'nd' : last === '3' ? 'rd' : 'th';
  return `${digits}${suffix}`;
}
