/**
 * Note numbers that a conversion glued to the word they mark: "a handful of dust.30", "the upper
 * Savannah1". Real numbers and names are left alone: "1984" and "3.14" (no word before the digits),
 * "B2", "A4", "MP3" and "Louis XIV" (one letter or capitals, not a lower-case word), "Fig.3" and
 * "vol.2" (abbreviations that a number follows), "H2O" (letters after the digits), and "iPhone15".
 */
const GLUED = /(?<![\p{L}\p{N}])(\p{L}+)([.,;:!?]["'”’»)\]]*|["'”’»)\]]+)?(\d{1,3})(?=$|[\s,;:.!?"'”’»)\]—–-])/gu;
// Words after which a number is part of the text, not a note mark.
const ABBREVIATIONS = new Set('fig figs no nos vol vols ch chap sec sect art arts op pp p eq eqs ver v vs ed n nn cf pt pts bk ps'.split(' '));
// Names that carry a version or a size ("html5", "utf8", "python3").
const TECHNICAL = new Set('html xhtml utf ucs sha md base ipv python php perl win windows http level version type mark phase model series'.split(' '));

/** Drops note numbers glued to the end of a word (see the rules above). */
export function stripGluedNoteNumbers(text: string): string {
  if (!/\p{L}[.,;:!?"'”’»)\]]*\d/u.test(text)) return text;
  return text.replace(GLUED, (whole, word: string, punctuation: string | undefined, _digits: string) => {
    const lower = word.toLowerCase();
    if (ABBREVIATIONS.has(lower) || TECHNICAL.has(lower)) return whole;
    if (punctuation !== undefined && punctuation !== '') {
      // "dust.30", "said,”12": after punctuation a lower-case or capitalised word of two letters or more.
      return word.length >= 2 && /^\p{Lu}?\p{Ll}+$/u.test(word) ? word + punctuation : whole;
    }
    // "Savannah1": straight after the word, only a capitalised or lower-case word of three letters or more.
    return word.length >= 3 && /^\p{Lu}?\p{Ll}+$/u.test(word) ? word : whole;
  });
}
