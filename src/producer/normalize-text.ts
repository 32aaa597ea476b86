/**
 * Odd spaces that should read as one plain space: tab, no-break space, the U+2000 range
 * (en/em/thin/hair spaces), narrow no-break, medium mathematical and ideographic spaces.
 */
const ODD_SPACES = /[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;
// Invisible characters that split words for a speech model: zero-width space, stray BOMs, soft hyphens.
const INVISIBLES = /[\u200b\ufeff\u00ad]/g;
// Remaining C0/C1 controls other than newline carry no text; vertical tab and form feed act as line breaks.
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g;

/** Cleans decoded text: \n line endings, single spaces, trimmed lines, one blank line between paragraphs, NFC. */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?|[\u2028\u2029\u000b\u000c]/g, '\n')
    .replace(ODD_SPACES, ' ')
    .replace(INVISIBLES, '')
    .replace(CONTROLS, '')
    .replace(/ {2,}/g, ' ')
    .replace(/^ +| +$/gm, '')
    // A blank line is what separates paragraphs; more than one carries no extra meaning.
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    // NFC so that "é" typed two ways is one string for sentence splitting and for the model.
    .normalize('NFC');
}
