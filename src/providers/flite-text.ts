/** Letters NFKD leaves whole, spelled as an English reader would say them. */
const LETTERS: Readonly<Record<string, string>> = {
  æ: 'ae', Æ: 'Ae', œ: 'oe', Œ: 'Oe', ß: 'ss', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', þ: 'th', Þ: 'Th', ð: 'd', Ð: 'D', ı: 'i',
};

/**
 * Text as flite can read it. flite reads bytes, not UTF-8: "café" came back from a recognizer as
 * "catch" and a curly quote as a stray word. So typographic punctuation becomes its ASCII form, a
 * dash becomes the pause it marks, accents come off their letters, and anything else outside ASCII
 * becomes a space. The words themselves are unchanged, so the chunk's text is still what is heard.
 */
export function fliteText(text: string): string {
  return text
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u02BB\u02BC`\u00B4]/gu, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/gu, '"')
    // A dash between numbers is a range ("1914–1918"); anywhere else it is a break in the sentence.
    .replace(/(?<=\d)[\u2012\u2013](?=\d)/gu, '-')
    .replace(/\s*[\u2012\u2013\u2014\u2015]+\s*/gu, ', ')
    .replace(/\u2026/gu, '...')
    .replace(/[\u00A0\u2000-\u200B\u202F\u205F\u3000]/gu, ' ')
    .replace(/[æÆœŒßøØłŁđĐþÞðÐı]/gu, (c) => LETTERS[c] ?? c)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x00-\x7F]/gu, ' ');
}
