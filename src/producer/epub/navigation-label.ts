import type { Block } from './collect-blocks.js';

// Reading-system and landmark phrases that name a place in the book, not a title of it.
const PHRASES = new Set(
  [
    'start', 'begin', 'start reading', 'begin reading', 'start here', 'beginning', 'text', 'main text', 'main content',
    'start of content', 'go to text', 'cover', 'title page', 'copyright', 'contents', 'table of contents',
    'commencer la lecture', 'commencer', 'début', 'début de la lecture', 'lire', 'couverture', 'page de titre', 'sommaire', 'table des matières',
    'lesen beginnen', 'beginnen', 'titelseite', 'inhalt', 'inhaltsverzeichnis',
    'comenzar a leer', 'empezar a leer', 'comenzar', 'portada', 'índice', 'indice', 'iniziare a leggere', 'inizio', 'copertina', 'sommario',
    '本文', '表紙', '目次', '扉', '开始阅读', '封面', '目录', 'بداية القراءة', 'ابدأ القراءة', 'الغلاف', 'המשך לקריאה', 'התחל לקרוא', 'כריכה',
  ].map((phrase) => phrase.normalize('NFC')),
);
const SCRIPTS = ['Latin', 'Arabic', 'Hebrew', 'Cyrillic', 'Greek', 'Han', 'Hiragana', 'Katakana', 'Hangul', 'Thai', 'Devanagari'] as const;
const SCRIPT_PATTERNS = SCRIPTS.map((script) => [script, new RegExp(`\\p{Script=${script}}`, 'gu')] as const);

/**
 * A toc label that names a place rather than titling the text ("Commencer la lecture", "Start reading",
 * "Cover"), or is written in another script than the chapter it points to (a French reading-system label
 * before an Arabic text): shown nowhere as a title and never spoken.
 */
export function isNavigationLabel(label: string, range: Block[]): boolean {
  const key = label.toLowerCase().replace(/[\s\p{P}]+/gu, ' ').trim().normalize('NFC');
  if (PHRASES.has(key)) return true;
  const text = range.slice(0, 20).map((block) => block.text).join(' ');
  const labelScript = mainScript(label);
  const textScript = mainScript(text);
  return labelScript !== undefined && textScript !== undefined && !sameFamily(labelScript, textScript);
}

function mainScript(text: string): string | undefined {
  let best: string | undefined;
  let most = 0;
  for (const [script, pattern] of SCRIPT_PATTERNS) {
    const n = text.match(pattern)?.length ?? 0;
    if (n > most) {
      best = script;
      most = n;
    }
  }
  return best;
}

// Japanese mixes kanji and kana in one title.
function sameFamily(a: string, b: string): boolean {
  const japanese = new Set(['Han', 'Hiragana', 'Katakana']);
  return a === b || (japanese.has(a) && japanese.has(b));
}
